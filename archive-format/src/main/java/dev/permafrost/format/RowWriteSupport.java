package dev.permafrost.format;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/** Writes {@code Object[]} rows of a {@link TableSchema} straight into Parquet's record API. */
final class RowWriteSupport extends WriteSupport<Object[]> {

  private final TableSchema schema;
  private final Map<String, String> metadata;
  private RecordConsumer consumer;

  RowWriteSupport(TableSchema schema, Map<String, String> metadata) {
    this.schema = schema;
    this.metadata = metadata;
  }

  @Override
  public WriteContext init(Configuration configuration) {
    return new WriteContext(schema.toParquet(), metadata);
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.consumer = recordConsumer;
  }

  @Override
  public void write(Object[] row) {
    consumer.startMessage();
    for (int i = 0; i < row.length; i++) {
      Object value = row[i];
      if (value == null) {
        continue; // an optional field that is absent is NULL
      }
      Column column = schema.column(i);
      consumer.startField(column.name(), i);
      if (column.type() == ColumnType.ARRAY) {
        writeList(column.elementType(), (List<?>) value);
      } else if (column.isDecimal()) {
        // Exact: the value has the column's scale already; setScale refuses to round.
        consumer.addBinary(
            Binary.fromConstantByteArray(
                new java.math.BigDecimal((String) value)
                    .setScale(column.scale())
                    .unscaledValue()
                    .toByteArray()));
      } else {
        writeValue(column.type(), value);
      }
      consumer.endField(column.name(), i);
    }
    consumer.endMessage();
  }

  /** The three-level LIST layout: group, repeated {@code list}, optional {@code element}. */
  private void writeList(ColumnType elementType, List<?> elements) {
    consumer.startGroup();
    if (!elements.isEmpty()) {
      consumer.startField("list", 0);
      for (Object element : elements) {
        consumer.startGroup();
        if (element != null) {
          consumer.startField("element", 0);
          writeValue(elementType, element);
          consumer.endField("element", 0);
        }
        consumer.endGroup();
      }
      consumer.endField("list", 0);
    }
    consumer.endGroup();
  }

  private void writeValue(ColumnType type, Object value) {
    switch (type) {
      case REAL -> consumer.addFloat((Float) value);
      case NUMERIC -> consumer.addBinary(Binary.fromString((String) value));
      case INTERVAL -> consumer.addBinary(Binary.fromString(value.toString()));
      case TIME -> consumer.addLong(((LocalTime) value).toNanoOfDay() / 1_000);
      case UUID ->
          consumer.addBinary(Binary.fromConstantByteArray(uuidBytes((java.util.UUID) value)));
      case ARRAY -> throw new IllegalArgumentException("arrays of arrays are not supported");
      case SMALLINT -> consumer.addInteger((Short) value);
      case INTEGER -> consumer.addInteger((Integer) value);
      case BIGINT -> consumer.addLong((Long) value);
      case DOUBLE -> consumer.addDouble((Double) value);
      case BOOLEAN -> consumer.addBoolean((Boolean) value);
      case TEXT, JSONB ->
          consumer.addBinary(
              Binary.fromConstantByteArray(((String) value).getBytes(StandardCharsets.UTF_8)));
      case BYTEA, GEOMETRY -> consumer.addBinary(Binary.fromConstantByteArray((byte[]) value));
      case DATE -> consumer.addInteger((int) ((LocalDate) value).toEpochDay());
      case TIMESTAMP ->
          consumer.addLong(
              RowDigest.epochMicros(((LocalDateTime) value).toInstant(ZoneOffset.UTC)));
      case TIMESTAMPTZ -> consumer.addLong(RowDigest.epochMicros((Instant) value));
    }
  }

  static byte[] uuidBytes(java.util.UUID uuid) {
    return java.nio.ByteBuffer.allocate(16)
        .putLong(uuid.getMostSignificantBits())
        .putLong(uuid.getLeastSignificantBits())
        .array();
  }
}
