package dev.permafrost.query.domain;

import java.time.Instant;
import java.util.List;

/**
 * What a dashboard needs to know of a dataset: how it is cut and what it may ask of it.
 *
 * @param columns the columns queries may use; null in the list of all datasets
 * @param tiers where its rows are now; null in the list of all datasets
 */
public record DatasetInfo(
    String name,
    String table,
    String timeColumn,
    String grain,
    String mode,
    String tenantColumn,
    String metricColumn,
    List<ColumnInfo> columns,
    Tiers tiers) {

  /**
   * @param groupable whether groupBy, group, column and filters may name it
   * @param measurable whether metrics may aggregate it
   */
  public record ColumnInfo(String name, String type, boolean groupable, boolean measurable) {}

  /** Rows in each tier; the time range is of the time column, null when the tier is empty. */
  public record Tiers(Hot hot, Cold cold) {}

  public record Hot(long rows, String firstTime, String lastTime) {}

  /**
   * @param from start of the first partition with an ACTIVE chunk
   * @param to end of the last
   * @param mergedMonths months this instance keeps one merged, sorted local copy of
   * @param keptParts tables of one question's parts over a month, a week or a day that this
   *     instance keeps
   * @param keptPartsQueued such tables waiting to be built
   */
  public record Cold(
      long chunks,
      long rows,
      long bytes,
      Instant from,
      Instant to,
      int mergedMonths,
      int keptParts,
      int keptPartsQueued) {

    public Cold withKept(int mergedMonths, int keptParts, int keptPartsQueued) {
      return new Cold(chunks, rows, bytes, from, to, mergedMonths, keptParts, keptPartsQueued);
    }
  }
}
