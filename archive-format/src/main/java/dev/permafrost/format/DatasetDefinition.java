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
    Duration hotRetention) {

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
  }

  /** {@code "column"} quoted for SQL. */
  public static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }
}
