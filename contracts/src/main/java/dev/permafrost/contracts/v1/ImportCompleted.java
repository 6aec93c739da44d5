package dev.permafrost.contracts.v1;

import java.time.Instant;
import java.util.Objects;

/**
 * An application loaded rows into a dataset's table, possibly into partitions that are archived.
 *
 * @param from inclusive start of the affected time range
 * @param to exclusive end
 * @param tenant the tenant the import was for; null if it touched every tenant
 */
public record ImportCompleted(String dataset, Instant from, Instant to, String tenant) {

  public ImportCompleted {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
  }
}
