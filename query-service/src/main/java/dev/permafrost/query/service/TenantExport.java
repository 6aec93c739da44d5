package dev.permafrost.query.service;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.permafrost.format.ChunkFileReader;
import dev.permafrost.format.ChunkFileWriter;
import dev.permafrost.format.Column;
import dev.permafrost.format.ColumnType;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.LifecycleMode;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.TableSchema;
import dev.permafrost.format.TimeBounds;
import dev.permafrost.query.domain.ColdObject;
import dev.permafrost.query.persistence.ActiveChunks;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.rest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * Every row of one tenant across both tiers, streamed as NDJSON or as one Parquet file: a user's
 * data export. The hot rows and the catalog are read in one REPEATABLE READ snapshot, held while
 * the rows stream, so that each row comes once; cold rows are read from the chunks that snapshot
 * named. Rows of an {@code offload} dataset are all hot, and get their offloaded columns back from
 * their chunk. The archive pointer column is internal and left out.
 */
@ApplicationScoped
public class TenantExport {

  /** The formats of an export. */
  public enum Format {
    NDJSON,
    PARQUET
  }

  private static final JsonFactory JSON = new JsonFactory();

  private final DataSource dataSource;
  private final Datasets datasets;
  private final ActiveChunks chunks;
  private final ObjectCache cache;
  private final QuestionParser parser;
  private final DashboardQueries queries;

  public TenantExport(
      DataSource dataSource,
      Datasets datasets,
      ActiveChunks chunks,
      ObjectCache cache,
      QuestionParser parser,
      DashboardQueries queries) {
    this.queries = queries;
    this.dataSource = dataSource;
    this.datasets = datasets;
    this.chunks = chunks;
    this.cache = cache;
    this.parser = parser;
  }

  /** One checked export request, ready to stream. */
  public record Request(
      DatasetDefinition dataset, Object tenant, Instant from, Instant to, Format format) {}

  /**
   * Checks a request before anything streams, so that bad input is a 400 and not a broken body.
   *
   * @param from optional, a date or an instant; the start of time when absent
   * @param to optional, a date (inclusive) or an instant (exclusive); no end when absent
   */
  public Request request(String datasetName, String tenant, String from, String to, String format) {
    DatasetDefinition dataset = datasets.find(datasetName);
    String tenantColumn =
        dataset
            .tenantColumn()
            .orElseThrow(
                () ->
                    ProblemException.badRequest(
                        "dataset " + dataset.name() + " has no tenant column to export by"));
    if (tenant == null || tenant.isBlank()) {
      throw ProblemException.badRequest("tenant is required: a value of " + tenantColumn);
    }
    Format chosen;
    try {
      chosen = Format.valueOf((format == null ? "ndjson" : format).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ProblemException.badRequest("format is '" + format + "'; allowed: ndjson, parquet");
    }
    QuestionParser.TimeWindow window = parser.openRange(from, to);
    Column column =
        queries.columns(dataset).stream()
            .filter(c -> c.name().equals(tenantColumn))
            .findFirst()
            .orElseThrow();
    return new Request(
        dataset, QuestionParser.value(column, tenant), window.from(), window.to(), chosen);
  }

  /** Streams the rows of the request into {@code out}. */
  public void write(Request request, OutputStream out) throws IOException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      c.setReadOnly(true);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      DatasetDefinition dataset = request.dataset();
      TableSchema schema = PgTables.readSchema(c, dataset.table());
      List<ColdObject> cold = chunks.overlapping(c, dataset.name(), request.from(), request.to());
      RowWriter writer = writer(request, schema, out);
      boolean offload = dataset.mode() == LifecycleMode.OFFLOAD;
      Map<String, Object[]> payloads = offload ? coldRows(request, schema, cold, true) : Map.of();
      streamHot(c, request, schema, payloads, writer);
      c.commit(); // the snapshot is no longer needed: chunk objects never change
      if (!offload) {
        coldRows(request, schema, cold, false).values().forEach(writer::accept);
      }
      writer.close();
    } catch (SQLException e) {
      throw new IOException("exporting " + request.dataset().name() + " failed", e);
    }
  }

  private void streamHot(
      Connection c,
      Request request,
      TableSchema schema,
      Map<String, Object[]> payloads,
      RowWriter writer)
      throws SQLException {
    DatasetDefinition dataset = request.dataset();
    int keyIndex = schema.indexOf(dataset.primaryKey());
    int pointerIndex = indexOrMinusOne(schema, DatasetDefinition.ARCHIVE_POINTER_COLUMN);
    String time = DatasetDefinition.quote(dataset.timeColumn());
    ColumnType timeType = schema.column(schema.indexOf(dataset.timeColumn())).type();
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT "
                + schema.selectList()
                + " FROM "
                + dataset.table()
                + " WHERE "
                + DatasetDefinition.quote(dataset.tenantColumn().orElseThrow())
                + " = "
                + (request.tenant() instanceof Long
                    ? "?"
                    : schema.column(schema.indexOf(dataset.tenantColumn().get())).type()
                            == ColumnType.UUID
                        ? "CAST(? AS uuid)"
                        : "?")
                + " AND "
                + time
                + " >= ? AND "
                + time
                + " < ?")) {
      select.setFetchSize(10_000);
      if (request.tenant() instanceof Long number) {
        select.setLong(1, number);
      } else {
        select.setString(1, request.tenant().toString());
      }
      TimeBounds.bind(select, 2, timeType, request.from());
      TimeBounds.bind(select, 3, timeType, request.to());
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          Object[] row = PgTables.readRow(rs, schema);
          if (pointerIndex >= 0 && row[pointerIndex] != null) {
            Object[] whole = payloads.get(row[keyIndex].toString());
            if (whole == null) {
              throw new ColdReadException(
                  "row "
                      + row[keyIndex]
                      + " of "
                      + dataset.name()
                      + " points at chunk "
                      + row[pointerIndex]
                      + ", which does not hold it",
                  null);
            }
            for (String column : dataset.offloadColumns()) {
              int index = schema.indexOf(column);
              row[index] = whole[index];
            }
          }
          writer.accept(row);
        }
      }
    }
  }

  /** The tenant's rows in the range from the cold objects, by primary key. */
  private Map<String, Object[]> coldRows(
      Request request, TableSchema schema, List<ColdObject> objects, boolean offload) {
    DatasetDefinition dataset = request.dataset();
    int tenantIndex = schema.indexOf(dataset.tenantColumn().orElseThrow());
    int timeIndex = schema.indexOf(dataset.timeColumn());
    int keyIndex = schema.indexOf(dataset.primaryKey());
    String tenant = request.tenant().toString();
    Map<String, Object[]> rows = offload ? new HashMap<>() : new java.util.LinkedHashMap<>();
    try (ObjectCache.Lease files = cache.lease(objects)) {
      for (int i = 0; i < objects.size(); i++) {
        Path file = files.paths().get(i);
        // Chunks hold the table's columns as exported, so the table's schema reads them.
        ChunkFileReader.read(
            file,
            schema,
            row -> {
              Instant time = TimeBounds.toInstant(row[timeIndex]);
              if (row[tenantIndex] != null
                  && tenant.equals(row[tenantIndex].toString())
                  && !time.isBefore(request.from())
                  && time.isBefore(request.to())) {
                rows.put(row[keyIndex].toString(), row);
              }
            });
      }
    } catch (IOException e) {
      throw new ColdReadException(
          "cold chunks of " + dataset.name() + " could not be read: " + e.getMessage(), e);
    }
    return rows;
  }

  private static List<Column> withoutPointer(List<Column> columns) {
    return columns.stream()
        .filter(c -> !c.name().equals(DatasetDefinition.ARCHIVE_POINTER_COLUMN))
        .toList();
  }

  private static int indexOrMinusOne(TableSchema schema, String column) {
    return schema.columnNames().indexOf(column);
  }

  /** Writes exported rows; the archive pointer column is dropped on the way. */
  private interface RowWriter {
    void accept(Object[] row);

    void close() throws IOException;
  }

  private static RowWriter writer(Request request, TableSchema schema, OutputStream out)
      throws IOException {
    int pointer = indexOrMinusOne(schema, DatasetDefinition.ARCHIVE_POINTER_COLUMN);
    List<Column> columns = withoutPointer(schema.columns());
    java.util.function.Function<Object[], Object[]> project =
        pointer < 0
            ? row -> row
            : row -> {
              Object[] kept = new Object[row.length - 1];
              for (int i = 0, j = 0; i < row.length; i++) {
                if (i != pointer) {
                  kept[j++] = row[i];
                }
              }
              return kept;
            };
    if (request.format() == Format.PARQUET) {
      ChunkFileWriter parquet =
          ChunkFileWriter.create(
              new StreamOutputFile(out),
              new TableSchema(columns),
              CompressionCodecName.ZSTD,
              ChunkFileWriter.DEFAULT_ROW_GROUP_BYTES);
      return new RowWriter() {
        @Override
        public void accept(Object[] row) {
          try {
            parquet.write(project.apply(row));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }

        @Override
        public void close() throws IOException {
          parquet.close();
        }
      };
    }
    JsonGenerator json = JSON.createGenerator(out);
    json.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
    return new RowWriter() {
      @Override
      public void accept(Object[] row) {
        try {
          Object[] kept = project.apply(row);
          json.writeStartObject();
          for (int i = 0; i < columns.size(); i++) {
            json.writeFieldName(columns.get(i).name());
            NdJsonValues.write(json, columns.get(i), columns.get(i).type(), kept[i]);
          }
          json.writeEndObject();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public void close() throws IOException {
        json.writeRaw('\n');
        json.close();
      }
    };
  }

  /** A Parquet file written straight into a stream that cannot seek, e.g. an HTTP response. */
  private static final class StreamOutputFile implements OutputFile {
    private final OutputStream out;

    StreamOutputFile(OutputStream out) {
      this.out = out;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
      return new PositionOutputStream() {
        private long position;

        @Override
        public long getPos() {
          return position;
        }

        @Override
        public void write(int b) throws IOException {
          out.write(b);
          position++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
          out.write(bytes, offset, length);
          position += length;
        }

        @Override
        public void flush() throws IOException {
          out.flush();
        }

        @Override
        public void close() throws IOException {
          out.flush(); // the response is closed by whoever opened it
        }
      };
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
      return create(blockSizeHint);
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }

    @Override
    public String getPath() {
      return "export";
    }
  }
}
