package dev.permafrost.contracts.v1;

import java.util.Objects;
import java.util.UUID;

/**
 * Someone asks for a tenant's rows to be erased from both tiers.
 *
 * @param erasureId identifies the erasure; a replayed event with the same id erases nothing twice
 * @param dataset erase from this dataset only; null for every dataset with a tenant column
 */
public record TenantPurgeRequested(
    UUID erasureId, String tenant, String dataset, String reason, String requestedBy) {

  public TenantPurgeRequested {
    Objects.requireNonNull(erasureId, "erasureId");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(requestedBy, "requestedBy");
  }
}
