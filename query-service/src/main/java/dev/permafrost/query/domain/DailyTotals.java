package dev.permafrost.query.domain;

import java.time.LocalDate;
import java.util.List;

/**
 * The sum of a dataset's metric per UTC day, over hot and cold rows together.
 *
 * @param tenant the tenant filter, several separated by commas; null for all tenants
 * @param coldChunks how many ACTIVE chunks the answer read
 */
public record DailyTotals(
    String dataset,
    String metric,
    String tenant,
    LocalDate from,
    LocalDate to,
    List<Day> totals,
    int coldChunks) {

  /** One day's total; days without rows are left out. */
  public record Day(LocalDate day, long total) {}
}
