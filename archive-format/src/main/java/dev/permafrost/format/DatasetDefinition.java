package dev.permafrost.format;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One configured table and how its partitions go cold.
 *
 * @param table the PostgreSQL table, optionally schema-qualified
 * @param primaryKey a single column that identifies a row
 * @param tenantColumn the column that names a row's tenant (e.g. project_id), if any
 * @param metricColumn the column dashboards sum by default (e.g. view_count), if any
 * @param sortKeys the order of rows inside a chunk; the usual filter columns first
 * @param hotRetention how long a partition stays hot after it closes
 * @param offloadColumns the heavy columns that leave PostgreSQL in mode offload; empty for move
 * @param layout how chunk files are cut and compressed
 */
public record DatasetDefinition(
    String name,
    String table,
    String timeColumn,
    Grain grain,
    String primaryKey,
    Optional<String> tenantColumn,
    Optional<String> metricColumn,
    LifecycleMode mode,
    List<String> sortKeys,
    Duration hotRetention,
    List<String> offloadColumns,
    FileLayout layout) {

  /**
   * The uuid column an offload dataset's table needs: NULL while a row's payload is hot, the id of
   * the chunk that holds it once offloaded.
   */
  public static final String ARCHIVE_POINTER_COLUMN = "archive_chunk";

  public DatasetDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(timeColumn, "timeColumn");
    Objects.requireNonNull(grain, "grain");
    Objects.requireNonNull(primaryKey, "primaryKey");
    Objects.requireNonNull(tenantColumn, "tenantColumn");
    Objects.requireNonNull(metricColumn, "metricColumn");
    Objects.requireNonNull(mode, "mode");
    sortKeys = List.copyOf(sortKeys);
    Objects.requireNonNull(hotRetention, "hotRetention");
    offloadColumns = List.copyOf(offloadColumns);
    Objects.requireNonNull(layout, "layout");
    if (mode == LifecycleMode.OFFLOAD && offloadColumns.isEmpty()) {
      throw new IllegalArgumentException("mode offload needs the offload-columns to move");
    }
    if (mode == LifecycleMode.MOVE && !offloadColumns.isEmpty()) {
      throw new IllegalArgumentException("offload-columns only go with mode offload");
    }
    if (layout.splitPerTenant() && tenantColumn.isEmpty()) {
      throw new IllegalArgumentException("split-per-tenant needs a tenant-column");
    }
  }

  /**
   * How chunk files are written.
   *
   * @param codec Parquet compression: ZSTD, SNAPPY, GZIP or UNCOMPRESSED
   * @param rowGroupBytes target size of a row group; small enough for engines to split and skip
   * @param targetFileBytes a chunk's rows go to a new file once the current one reaches this size
   * @param splitPerTenant one file per tenant under {@code tenant=T} directories instead: a tenant
   *     is never split across files of a chunk, so its files can be erased on their own
   */
  public record FileLayout(
      String codec, long rowGroupBytes, long targetFileBytes, boolean splitPerTenant) {

    /** ZSTD, 8 MiB row groups, 256 MiB files, no split per tenant. */
    public static final FileLayout DEFAULT = new FileLayout("ZSTD", 8L << 20, 256L << 20, false);

    public FileLayout {
      if (!List.of("ZSTD", "SNAPPY", "GZIP", "UNCOMPRESSED").contains(codec)) {
        throw new IllegalArgumentException(
            "codec is '" + codec + "'; allowed: ZSTD, SNAPPY, GZIP, UNCOMPRESSED");
      }
      if (rowGroupBytes < (64L << 10) || targetFileBytes < rowGroupBytes) {
        throw new IllegalArgumentException(
            "row-group-bytes must be at least 65536 and target-file-bytes at least row-group-bytes");
      }
    }
  }

  /** The same dataset with chunk files cut and compressed as {@code other} says. */
  public DatasetDefinition withLayout(FileLayout other) {
    return new DatasetDefinition(
        name,
        table,
        timeColumn,
        grain,
        primaryKey,
        tenantColumn,
        metricColumn,
        mode,
        sortKeys,
        hotRetention,
        offloadColumns,
        other);
  }

  /** {@code "column"} quoted for SQL. */
  public static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }
}
