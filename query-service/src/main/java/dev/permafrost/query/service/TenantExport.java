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
 * the hot rows stream, so that each row comes once; cold rows are then read, file by file, from the
 * chunks that snapshot named, which were downloaded before the first byte. Rows of an {@code
 * offload} dataset are all hot, and get their offloaded columns back from their chunk. The archive
 * pointer column is internal and left out.
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
  private final TableSchemas schemas;
  private final ObjectCache cache;
  private final QuestionParser parser;
  private final DashboardQueries queries;

  public TenantExport(
      DataSource dataSource,
      Datasets datasets,
      ActiveChunks chunks,
      TableSchemas schemas,
      ObjectCache cache,
      QuestionParser parser,
      DashboardQueries queries) {
    this.dataSource = dataSource;
    this.schemas = schemas;
    this.datasets = datasets;
    this.chunks = chunks;
    this.cache = cache;
    this.parser = parser;
    this.queries = queries;
  }

  /** One checked export request, ready to stream. */
  public record Request(
      DatasetDefinition dataset, Object tenant, Instant from, Instant to, Format format) {}

  /**
   * Checks a request before anything streams, so that bad input is a 400 and not a broken body.
   *
   * @param from optional, a date or an instant; year 1 when absent
   * @param to optional, a date (inclusive) or an instant (exclusive); year 9999 when absent
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

  /**
   * An export ready to stream: its snapshot open, and its cold objects downloaded and leased, so
   * that a store that cannot be read is a 503 before the first byte, not a body cut short.
   */
  public final class Prepared implements AutoCloseable {
    private final Request request;
    private final Connection snapshot;
    private final TableSchema schema;
    private final List<ColdObject> cold;
    private final ObjectCache.Lease files;

    private Prepared(
        Request request,
        Connection snapshot,
        TableSchema schema,
        List<ColdObject> cold,
        ObjectCache.Lease files) {
      this.request = request;
      this.snapshot = snapshot;
      this.schema = schema;
      this.cold = cold;
      this.files = files;
    }

    public Request request() {
      return request;
    }

    @Override
    public void close() {
      files.close();
      release(snapshot);
    }
  }

  /**
   * Opens the export's snapshot and downloads its cold objects.
   *
   * @throws ColdReadException naming the partition if a cold object cannot be read
   */
  public Prepared prepare(Request request) {
    Connection c = null;
    try {
      c = dataSource.getConnection();
      c.setAutoCommit(false);
      c.setReadOnly(true);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      DatasetDefinition dataset = request.dataset();
      TableSchema schema = schemas.of(dataset);
      List<ColdObject> cold = chunks.overlapping(c, dataset.name(), request.from(), request.to());
      return new Prepared(request, c, schema, cold, cache.lease(cold));
    } catch (SQLException | RuntimeException e) {
      release(c);
      if (e instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException("could not open the export's snapshot", e);
    }
  }

  /** Streams the prepared export's rows into {@code out}: hot rows first, then cold ones. */
  public void write(Prepared export, OutputStream out) throws IOException {
    Request request = export.request;
    RowWriter writer = writer(request, export.schema, out);
    boolean offload = request.dataset().mode() == LifecycleMode.OFFLOAD;
    try {
      Map<String, Object[]> payloads = new HashMap<>();
      if (offload) {
        coldRows(request, export, row -> payloads.put(keyOf(request, export.schema, row), row));
      }
      streamHot(export.snapshot, request, export.schema, payloads, writer);
      if (!offload) {
        coldRows(request, export, writer::accept);
      }
      writer.close();
    } catch (SQLException e) {
      throw new IOException("exporting " + request.dataset().name() + " failed", e);
    }
  }

  private static String keyOf(Request request, TableSchema schema, Object[] row) {
    return row[schema.indexOf(request.dataset().primaryKey())].toString();
  }

  private static void release(Connection c) {
    if (c == null) {
      return;
    }
    try (c) {
      c.rollback(); // read-only: nothing to keep
      c.setAutoCommit(true);
      c.setReadOnly(false);
    } catch (SQLException ignored) {
      // the pool discards a connection that fails here
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

  /** Hands the tenant's rows in the range, read from the leased cold objects, to {@code sink}. */
  private static void coldRows(
      Request request, Prepared export, java.util.function.Consumer<Object[]> sink) {
    DatasetDefinition dataset = request.dataset();
    TableSchema schema = export.schema;
    int tenantIndex = schema.indexOf(dataset.tenantColumn().orElseThrow());
    int timeIndex = schema.indexOf(dataset.timeColumn());
    String tenant = request.tenant().toString();
    for (int i = 0; i < export.cold.size(); i++) {
      Path file = export.files.paths().get(i);
      try {
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
                sink.accept(row);
              }
            });
      } catch (IOException e) {
        throw new ColdReadException(
            "partition "
                + export.cold.get(i).partition()
                + " of "
                + dataset.name()
                + " could not be read: "
                + e.getMessage(),
            e);
      }
    }
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
