package dev.permafrost.contracts.v1;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Someone asks for archived partitions to be brought back into PostgreSQL.
 *
 * @param from inclusive start of the time range to restore
 * @param to exclusive end
 * @param tenant restore only this tenant's rows; null for all
 */
public record RestoreRequested(
    UUID requestId,
    String dataset,
    Instant from,
    Instant to,
    String tenant,
    String reason,
    String requestedBy) {

  public RestoreRequested {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(requestedBy, "requestedBy");
  }
}
