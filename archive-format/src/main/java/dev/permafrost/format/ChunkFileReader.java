package dev.permafrost.format;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/** Decodes the rows of a chunk file back into the Java values they were written from. */
public final class ChunkFileReader {

  /** Receives decoded rows; may throw to stop reading. */
  @FunctionalInterface
  public interface RowConsumer {
    void accept(Object[] row) throws IOException;
  }

  private ChunkFileReader() {}

  /**
   * Reads every row of {@code file} as {@code schema}, in file order.
   *
   * @throws IllegalStateException if the file's schema is not {@code schema}'s
   * @return the number of rows read
   */
  public static long read(Path file, TableSchema schema, RowConsumer consumer) throws IOException {
    MessageType expected = schema.toParquet();
    long rows = 0;
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
      MessageType actual = reader.getFooter().getFileMetaData().getSchema();
      if (!actual.equals(expected)) {
        throw new IllegalStateException(
            "chunk file "
                + file.getFileName()
                + " has schema "
                + actual
                + ", expected "
                + expected);
      }
      MessageColumnIO columnIo = new ColumnIOFactory().getColumnIO(actual);
      PageReadStore pages;
      while ((pages = reader.readNextRowGroup()) != null) {
        RecordReader<Group> records =
            columnIo.getRecordReader(pages, new GroupRecordConverter(actual));
        for (long i = 0, n = pages.getRowCount(); i < n; i++) {
          consumer.accept(toRow(records.read(), schema));
          rows++;
        }
      }
    }
    return rows;
  }

  private static Object[] toRow(Group group, TableSchema schema) {
    Object[] row = new Object[schema.size()];
    for (int i = 0; i < row.length; i++) {
      if (group.getFieldRepetitionCount(i) > 0) {
        Column column = schema.column(i);
        if (column.type() == ColumnType.ARRAY) {
          row[i] = list(group.getGroup(i, 0), column.elementType());
        } else if (column.isDecimal()) {
          row[i] =
              new java.math.BigDecimal(
                      new java.math.BigInteger(group.getBinary(i, 0).getBytes()), column.scale())
                  .toPlainString();
        } else {
          row[i] = value(group, i, column.type());
        }
      }
    }
    return row;
  }

  private static List<Object> list(Group list, ColumnType elementType) {
    int size = list.getFieldRepetitionCount(0);
    List<Object> elements = new ArrayList<>(size);
    for (int j = 0; j < size; j++) {
      Group item = list.getGroup(0, j);
      elements.add(item.getFieldRepetitionCount(0) == 0 ? null : value(item, 0, elementType));
    }
    return elements;
  }

  private static Object value(Group group, int field, ColumnType type) {
    return switch (type) {
      case REAL -> group.getFloat(field, 0);
      case NUMERIC -> group.getString(field, 0);
      case INTERVAL -> PgInterval.parse(group.getString(field, 0));
      case TIME -> LocalTime.ofNanoOfDay(group.getLong(field, 0) * 1_000);
      case UUID -> {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(group.getBinary(field, 0).getBytes());
        yield new java.util.UUID(bytes.getLong(), bytes.getLong());
      }
      case ARRAY -> throw new IllegalStateException("arrays of arrays are not supported");
      case SMALLINT -> (short) group.getInteger(field, 0);
      case INTEGER -> group.getInteger(field, 0);
      case BIGINT -> group.getLong(field, 0);
      case DOUBLE -> group.getDouble(field, 0);
      case BOOLEAN -> group.getBoolean(field, 0);
      case TEXT, JSONB -> group.getString(field, 0);
      case BYTEA, GEOMETRY -> group.getBinary(field, 0).getBytes();
      case DATE -> LocalDate.ofEpochDay(group.getInteger(field, 0));
      case TIMESTAMP ->
          LocalDateTime.ofInstant(fromEpochMicros(group.getLong(field, 0)), ZoneOffset.UTC);
      case TIMESTAMPTZ -> fromEpochMicros(group.getLong(field, 0));
    };
  }

  private static Instant fromEpochMicros(long micros) {
    return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
  }
}
