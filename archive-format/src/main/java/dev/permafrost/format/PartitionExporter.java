package dev.permafrost.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

/**
 * Turns the rows of one partition, as one snapshot sees them, into a chunk: Parquet objects and a
 * manifest, written once under deterministic keys.
 */
public final class PartitionExporter {

  private static final int FETCH_SIZE = 10_000;

  private final ObjectStore store;
  private final ObjectKeys keys;
  private final Path workDir;
  private final Clock clock;
  private final long maxRowsPerSecond;

  public PartitionExporter(ObjectStore store, ObjectKeys keys, Path workDir, Clock clock) {
    this(store, keys, workDir, clock, 0);
  }

  private PartitionExporter(
      ObjectStore store, ObjectKeys keys, Path workDir, Clock clock, long maxRowsPerSecond) {
    this.store = store;
    this.keys = keys;
    this.workDir = workDir;
    this.clock = clock;
    this.maxRowsPerSecond = maxRowsPerSecond;
  }

  /**
   * The same exporter, reading at most {@code rowsPerSecond} rows per second (0: no cap), to stay
   * gentle on a production database.
   */
  public PartitionExporter limitedTo(long rowsPerSecond) {
    return new PartitionExporter(store, keys, workDir, clock, rowsPerSecond);
  }

  /**
   * A chunk written to local files from one snapshot, not uploaded yet. Closing it deletes the
   * files.
   */
  public record StagedChunk(
      DatasetDefinition dataset,
      TableSchema schema,
      Instant partitionStart,
      int sequence,
      UUID chunkId,
      List<StagedFile> files,
      long rows,
      String rowDigest,
      String minTime,
      String maxTime)
      implements AutoCloseable {

    @Override
    public void close() throws IOException {
      for (StagedFile file : files) {
        Files.deleteIfExists(file.path());
      }
    }
  }

  /**
   * One local file of a staged chunk, numbered from 1 as its object key will be.
   *
   * @param tenant the tenant whose rows it holds, when the chunk is split per tenant
   */
  public record StagedFile(int number, Path path, long rows, String tenant) {}

  /**
   * Exports the partition that starts at {@code partitionStart} as chunk {@code sequence}: {@link
   * #stage} then {@link #upload} with the caller's transaction open throughout. Services stage in a
   * snapshot and upload after it ended, to keep transactions on the hot database short.
   */
  public Manifest export(
      Connection connection,
      DatasetDefinition dataset,
      TableSchema schema,
      Instant partitionStart,
      int sequence)
      throws SQLException, IOException {
    try (StagedChunk staged = stage(connection, dataset, schema, partitionStart, sequence)) {
      return upload(staged);
    }
  }

  /**
   * Writes the rows of the partition that starts at {@code partitionStart}, as the connection's
   * transaction sees them, into a local Parquet file. Run it read-only at REPEATABLE READ so that
   * the chunk is one snapshot.
   */
  public StagedChunk stage(
      Connection connection,
      DatasetDefinition dataset,
      TableSchema schema,
      Instant partitionStart,
      int sequence)
      throws SQLException, IOException {
    Instant partitionEnd = dataset.grain().end(partitionStart);
    String partition = dataset.grain().partitionName(partitionStart);
    UUID chunkId = ChunkIds.of(dataset.name(), partition, sequence);
    int timeIndex = schema.indexOf(dataset.timeColumn());
    ColumnType timeType = schema.column(timeIndex).type();

    Files.createDirectories(workDir);
    DatasetDefinition.FileLayout layout = dataset.layout();
    CompressionCodecName codec = CompressionCodecName.valueOf(layout.codec());
    List<StagedFile> files = new ArrayList<>();
    RowDigest digest = new RowDigest(schema);
    Object minTime = null;
    Object maxTime = null;
    ChunkFileWriter writer = null;
    Path current = null;
    int tenantIndex =
        layout.splitPerTenant() ? schema.indexOf(dataset.tenantColumn().orElseThrow()) : -1;
    String currentTenant = null;
    try (PreparedStatement select = connection.prepareStatement(selectSql(dataset, schema))) {
      // Binary transfer from the first execution: no text parsing of every number and date.
      select.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(-1);
      select.setFetchSize(FETCH_SIZE);
      TimeBounds.bind(select, 1, timeType, partitionStart);
      TimeBounds.bind(select, 2, timeType, partitionEnd);
      try (ResultSet rs = select.executeQuery()) {
        long started = System.nanoTime();
        long rowsRead = 0;
        while (rs.next()) {
          Object[] row = PgTables.readRow(rs, schema);
          if (tenantIndex >= 0) {
            // Rows come ordered by tenant first: a new tenant starts a new file.
            String tenant = tenantName(row[tenantIndex]);
            if (writer != null && !tenant.equals(currentTenant)) {
              files.add(finish(writer, current, files.size() + 1, currentTenant, digest));
              writer = null;
            }
            currentTenant = tenant;
          }
          if (writer == null) {
            current = workDir.resolve("chunk-" + chunkId + "-" + UUID.randomUUID() + ".parquet");
            writer = ChunkFileWriter.create(current, schema, codec, layout.rowGroupBytes());
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
          // Rows are in sort order, so each file covers a contiguous range of the sort keys. A
          // tenant's rows stay in one file whatever its size.
          if (tenantIndex < 0 && writer.dataSize() >= layout.targetFileBytes()) {
            files.add(finish(writer, current, files.size() + 1, null, digest));
            writer = null;
          }
        }
        if (writer != null) {
          files.add(finish(writer, current, files.size() + 1, currentTenant, digest));
          writer = null;
        }
      }
    } catch (SQLException | IOException | RuntimeException e) {
      if (writer != null) {
        closeQuietly(writer, e);
      }
      if (current != null) {
        Files.deleteIfExists(current);
      }
      for (StagedFile file : files) {
        Files.deleteIfExists(file.path());
      }
      throw e;
    }
    return new StagedChunk(
        dataset,
        schema,
        partitionStart,
        sequence,
        chunkId,
        files,
        digest.count(),
        digest.hex(),
        minTime == null ? null : minTime.toString(),
        maxTime == null ? null : maxTime.toString());
  }

  private static StagedFile finish(
      ChunkFileWriter writer, Path path, int number, String tenant, RowDigest chunkDigest)
      throws IOException {
    writer.close();
    chunkDigest.addAll(writer.digest());
    return new StagedFile(number, path, writer.digest().count(), tenant);
  }

  /** A tenant's directory name; Hive's name for the partition of NULL values. */
  private static String tenantName(Object value) {
    return value == null ? "__HIVE_DEFAULT_PARTITION__" : value.toString();
  }

  private static void closeQuietly(ChunkFileWriter writer, Exception cause) {
    try {
      writer.close();
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
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

  /**
   * Uploads a staged chunk write-once: its data file, then its manifest. A chunk without rows
   * uploads nothing and yields a manifest with no objects.
   */
  public Manifest upload(StagedChunk staged) throws IOException {
    DatasetDefinition dataset = staged.dataset();
    List<Manifest.StoredObject> objects = new ArrayList<>();
    for (StagedFile file : staged.files()) {
      String key =
          keys.dataKey(
              dataset.name(),
              dataset.grain(),
              staged.partitionStart(),
              file.tenant(),
              staged.chunkId(),
              file.number());
      ObjectStore.StoredBytes stored = store.putOnce(key, file.path());
      objects.add(
          new Manifest.StoredObject(
              key, stored.bytes(), stored.sha256(), file.rows(), file.tenant()));
    }
    Manifest manifest =
        new Manifest(
            Manifest.FORMAT_VERSION,
            staged.chunkId(),
            dataset.name(),
            dataset.grain().partitionName(staged.partitionStart()),
            staged.partitionStart(),
            dataset.grain().end(staged.partitionStart()),
            staged.sequence(),
            staged.schema().columns(),
            objects,
            staged.rows(),
            staged.rowDigest(),
            staged.minTime(),
            staged.maxTime(),
            clock.instant());
    if (staged.rows() > 0) {
      store.putOnce(keys.manifestKey(dataset.name(), staged.chunkId()), manifest.toJson());
    }
    return manifest;
  }

  /**
   * Deletes the objects an earlier attempt at chunk {@code sequence} may have left when it died
   * before the chunk was recorded. Only call this for a chunk that no catalog knows: nothing can
   * reference its objects, and the retry may hold other rows than the attempt that died.
   */
  public void discardUnrecorded(DatasetDefinition dataset, Instant partitionStart, int sequence) {
    UUID chunkId =
        ChunkIds.of(dataset.name(), dataset.grain().partitionName(partitionStart), sequence);
    store.delete(keys.manifestKey(dataset.name(), chunkId));
    // Listing is for this clean-up only: the catalog, never the bucket, says what is cold.
    String marker = "/chunk-" + chunkId + "-";
    for (String key :
        store.keysUnder(keys.partitionFolder(dataset.name(), dataset.grain(), partitionStart))) {
      if (key.contains(marker)) {
        store.delete(key);
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
