package dev.permafrost.query.domain;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One aggregate question over a dataset, already checked against its schema: rows of {@code [from,
 * to)} that pass every filter, grouped by {@code groups}, each group summed up by {@code metrics},
 * ordered and cut to {@code limit} after the hot and cold partial results were merged.
 *
 * @param perGroupLimit when present, the answer keeps the first {@code n} rows of each value of the
 *     first group key (top N per group) instead of the first {@code limit} rows overall
 */
public record Aggregation(
    String dataset,
    Instant from,
    Instant to,
    List<GroupKey> groups,
    List<Metric> metrics,
    List<Filter> filters,
    List<Order> order,
    int limit,
    Optional<Integer> perGroupLimit) {

  public Aggregation {
    groups = List.copyOf(groups);
    metrics = List.copyOf(metrics);
    filters = List.copyOf(filters);
    order = List.copyOf(order);
  }

  /** The same question over {@code [from, to)}. */
  public Aggregation withRange(Instant from, Instant to) {
    return new Aggregation(
        dataset, from, to, groups, metrics, filters, order, limit, perGroupLimit);
  }

  /** The same question grouped by {@code groups}. */
  public Aggregation withGroups(List<GroupKey> groups) {
    return new Aggregation(
        dataset, from, to, groups, metrics, filters, order, limit, perGroupLimit);
  }

  /** What rows are grouped by: a column's value, or the UTC day or hour of the time column. */
  public record GroupKey(String name, String column, Bucket bucket) {

    public static GroupKey column(String column) {
      return new GroupKey(column, column, Bucket.NONE);
    }

    public static GroupKey bucket(String timeColumn, Bucket bucket) {
      return new GroupKey(bucket.name().toLowerCase(), timeColumn, bucket);
    }
  }

  public enum Bucket {
    NONE,
    DAY,
    HOUR
  }

  /**
   * An aggregate of a column; {@code count} of no column counts rows.
   *
   * @param column null only for {@code count}
   */
  public record Metric(Function function, String column) {

    /** The name of the metric in answers and in {@code orderBy}: {@code sum_view_count}, ... */
    public String name() {
      return column == null ? "count" : function.name().toLowerCase() + "_" + column;
    }
  }

  public enum Function {
    SUM,
    COUNT,
    MIN,
    MAX,
    AVG
  }

  /**
   * Rows whose {@code column} is one of {@code values} (EQUALS, IN), none of them (NOT_IN), or
   * between the two values, both inclusive (RANGE; either may be null for an open end).
   */
  public record Filter(String column, Operator operator, List<Object> values) {

    public Filter {
      values = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(values));
    }
  }

  public enum Operator {
    EQUALS,
    IN,
    NOT_IN,
    RANGE
  }

  /** Order by a metric or group key, by name. */
  public record Order(String name, boolean descending) {}
}
