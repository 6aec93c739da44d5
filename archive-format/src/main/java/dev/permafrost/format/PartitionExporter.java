package dev.permafrost.format;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;

/**
 * Turns the rows of one partition, as one snapshot sees them, into a chunk: Parquet objects and a
 * manifest, written once under deterministic keys.
 */
public final class PartitionExporter {

  private static final int FETCH_SIZE = 10_000;

  private final ObjectStore store;
  private final ObjectKeys keys;
  private final Clock clock;
  private final long maxRowsPerSecond;

  public PartitionExporter(ObjectStore store, ObjectKeys keys, Clock clock) {
    this(store, keys, clock, 0);
  }

  private PartitionExporter(
      ObjectStore store, ObjectKeys keys, Clock clock, long maxRowsPerSecond) {
    this.store = store;
    this.keys = keys;
    this.clock = clock;
    this.maxRowsPerSecond = maxRowsPerSecond;
  }

  /**
   * The same exporter, reading at most {@code rowsPerSecond} rows per second (0: no cap), to stay
   * gentle on a production database.
   */
  public PartitionExporter limitedTo(long rowsPerSecond) {
    return new PartitionExporter(store, keys, clock, rowsPerSecond);
  }

  /**
   * Exports the partition that starts at {@code partitionStart} as chunk {@code sequence},
   * streaming each file into the object store while the rows are read and encoded (multipart parts
   * of 8 MiB: memory holds one part, no local disk), then writing the manifest.
   *
   * <p>The caller owns the transaction: run it read-only at REPEATABLE READ so that the chunk is
   * one snapshot. A file whose writing fails is aborted and never becomes visible; files already
   * completed stay unreferenced until a retry, which {@link #discardUnrecorded} cleans up first. A
   * partition without rows yields a manifest with no objects and nothing uploaded.
   */
  public Manifest export(
      Connection connection,
      DatasetDefinition dataset,
      TableSchema schema,
      Instant partitionStart,
      int sequence)
      throws SQLException, IOException {
    UUID chunkId = chunkId(dataset, partitionStart, sequence);
    StoreSink sink = new StoreSink(dataset, partitionStart, chunkId);
    Written written = write(connection, dataset, schema, partitionStart, sink);
    Manifest manifest =
        manifest(dataset, schema, partitionStart, sequence, chunkId, sink.objects, written);
    if (written.rows() > 0) {
      store.putOnce(keys.manifestKey(dataset.name(), chunkId), manifest.toJson());
    }
    return manifest;
  }

  /**
   * Deletes the objects an earlier attempt at chunk {@code sequence} may have left when it died
   * before the chunk was recorded. Only call this for a chunk that no catalog knows: nothing can
   * reference its objects, and the retry may hold other rows than the attempt that died.
   */
  public void discardUnrecorded(DatasetDefinition dataset, Instant partitionStart, int sequence) {
    store.discardChunk(keys, dataset, partitionStart, chunkId(dataset, partitionStart, sequence));
  }

  /** What writing a chunk's rows produced. */
  private record Written(long rows, String rowDigest, String minTime, String maxTime) {}

  /** Streams each file into the object store. */
  private final class StoreSink {
    private final DatasetDefinition dataset;
    private final Instant partitionStart;
    private final UUID chunkId;
    private final List<Manifest.StoredObject> objects = new ArrayList<>();
    private S3OutputFile current;
    private String currentKey;

    StoreSink(DatasetDefinition dataset, Instant partitionStart, UUID chunkId) {
      this.dataset = dataset;
      this.partitionStart = partitionStart;
      this.chunkId = chunkId;
    }

    /** Opens file {@code number} (from 1); {@code tenant} is null unless split per tenant. */
    OutputFile open(int number, String tenant) {
      currentKey =
          keys.dataKey(dataset.name(), dataset.grain(), partitionStart, tenant, chunkId, number);
      current = store.outputFile(currentKey);
      return current;
    }

    /** The writer of the file opened last closed it, complete, with {@code rows} rows. */
    void completed(String tenant, long rows) {
      ObjectStore.StoredBytes stored = current.stored();
      objects.add(
          new Manifest.StoredObject(currentKey, stored.bytes(), stored.sha256(), rows, tenant));
    }

    /** Writing the file opened last failed: it must not become visible. */
    void abandon(Exception cause) {
      current.abandon(cause);
    }
  }

  /**
   * Reads the partition's rows in sort order and streams them into files of {@code sink}: a new
   * file whenever the current one reaches the dataset's target size, or, when split per tenant,
   * whenever the tenant changes (a tenant's rows then stay in one file whatever its size).
   */
  private Written write(
      Connection connection,
      DatasetDefinition dataset,
      TableSchema schema,
      Instant partitionStart,
      StoreSink sink)
      throws SQLException, IOException {
    Instant partitionEnd = dataset.grain().end(partitionStart);
    int timeIndex = schema.indexOf(dataset.timeColumn());
    ColumnType timeType = schema.column(timeIndex).type();
    DatasetDefinition.FileLayout layout = dataset.layout();
    CompressionCodecName codec = CompressionCodecName.valueOf(layout.codec());
    int tenantIndex =
        layout.splitPerTenant() ? schema.indexOf(dataset.tenantColumn().orElseThrow()) : -1;

    RowDigest digest = new RowDigest(schema);
    Object minTime = null;
    Object maxTime = null;
    ChunkFileWriter writer = null;
    String currentTenant = null;
    int files = 0;
    try (PreparedStatement select = connection.prepareStatement(selectSql(dataset, schema))) {
      // Binary transfer from the first execution: no text parsing of every number and date.
      select.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(-1);
      select.setFetchSize(FETCH_SIZE);
      TimeBounds.bind(select, 1, timeType, partitionStart);
      TimeBounds.bind(select, 2, timeType, partitionEnd);
      try (ResultSet rs = select.executeQuery();
          RowPrefetcher rows = new RowPrefetcher(rs, schema)) {
        long started = System.nanoTime();
        long rowsRead = 0;
        for (Object[] row = rows.next(); row != null; row = rows.next()) {
          if (tenantIndex >= 0) {
            String tenant = tenantName(row[tenantIndex]);
            if (writer != null && !tenant.equals(currentTenant)) {
              complete(writer, sink, currentTenant, digest);
              writer = null;
            }
            currentTenant = tenant;
          }
          if (writer == null) {
            files++;
            writer =
                ChunkFileWriter.create(
                    sink.open(files, currentTenant), schema, codec, layout.rowGroupBytes());
          }
          writer.write(row);
          Object time = row[timeIndex];
          if (minTime == null || compare(time, minTime) < 0) {
            minTime = time;
          }
          if (maxTime == null || compare(time, maxTime) > 0) {
            maxTime = time;
          }
          throttle(++rowsRead, started);
          if (tenantIndex < 0 && writer.dataSize() >= layout.targetFileBytes()) {
            complete(writer, sink, null, digest);
            writer = null;
          }
        }
        if (writer != null) {
          complete(writer, sink, currentTenant, digest);
          writer = null;
        }
      }
    } catch (Throwable e) {
      if (writer != null) {
        // Not closed: closing would complete a truncated file.
        sink.abandon(e instanceof Exception exception ? exception : new Exception(e));
      }
      throw e;
    }
    return new Written(
        digest.count(),
        digest.hex(),
        minTime == null ? null : minTime.toString(),
        maxTime == null ? null : maxTime.toString());
  }

  private static void complete(
      ChunkFileWriter writer, StoreSink sink, String tenant, RowDigest chunkDigest)
      throws IOException {
    writer.close();
    chunkDigest.addAll(writer.digest());
    sink.completed(tenant, writer.digest().count());
  }

  private Manifest manifest(
      DatasetDefinition dataset,
      TableSchema schema,
      Instant partitionStart,
      int sequence,
      UUID chunkId,
      List<Manifest.StoredObject> objects,
      Written written) {
    return new Manifest(
        Manifest.FORMAT_VERSION,
        chunkId,
        dataset.name(),
        dataset.grain().partitionName(partitionStart),
        partitionStart,
        dataset.grain().end(partitionStart),
        sequence,
        schema.columns(),
        objects,
        written.rows(),
        written.rowDigest(),
        written.minTime(),
        written.maxTime(),
        clock.instant());
  }

  private static UUID chunkId(DatasetDefinition dataset, Instant partitionStart, int sequence) {
    return ChunkIds.of(dataset.name(), dataset.grain().partitionName(partitionStart), sequence);
  }

  /** A tenant's directory name; Hive's name for the partition of NULL values. */
  private static String tenantName(Object value) {
    return value == null ? "__HIVE_DEFAULT_PARTITION__" : value.toString();
  }

  /** Sleeps while more rows were read than the cap allows for the time since {@code started}. */
  private void throttle(long rowsRead, long started) {
    if (maxRowsPerSecond <= 0 || rowsRead % 1_000 != 0) {
      return;
    }
    long dueNanos = rowsRead * 1_000_000_000L / maxRowsPerSecond;
    long aheadNanos = dueNanos - (System.nanoTime() - started);
    if (aheadNanos > 0) {
      try {
        Thread.sleep(aheadNanos / 1_000_000, (int) (aheadNanos % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while throttling an export", e);
      }
    }
  }

  private static String selectSql(DatasetDefinition dataset, TableSchema schema) {
    String time = DatasetDefinition.quote(dataset.timeColumn());
    List<String> sortKeys = new ArrayList<>(dataset.sortKeys());
    if (sortKeys.isEmpty()) {
      sortKeys.add(dataset.primaryKey());
    }
    if (dataset.layout().splitPerTenant()) {
      String tenant = dataset.tenantColumn().orElseThrow();
      sortKeys.remove(tenant);
      sortKeys.add(0, tenant); // one file per tenant needs the tenant's rows together
    }
    String orderBy =
        sortKeys.stream().map(DatasetDefinition::quote).collect(Collectors.joining(", "));
    return "SELECT "
        + schema.selectList()
        + PgTables.valueChecks(schema)
        + " FROM "
        + dataset.table()
        + " WHERE "
        + time
        + " >= ? AND "
        + time
        + " < ? ORDER BY "
        + orderBy;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int compare(Object a, Object b) {
    return ((Comparable) a).compareTo(b);
  }
}
