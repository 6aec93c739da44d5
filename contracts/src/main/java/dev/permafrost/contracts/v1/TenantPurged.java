package dev.permafrost.contracts.v1;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** A tenant's rows were erased from both tiers of a dataset. */
public record TenantPurged(
    UUID erasureId,
    String dataset,
    String tenant,
    long hotRowsDeleted,
    long coldRowsDeleted,
    List<UUID> chunkIds) {

  public TenantPurged {
    Objects.requireNonNull(erasureId, "erasureId");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(tenant, "tenant");
    chunkIds = List.copyOf(Objects.requireNonNull(chunkIds, "chunkIds"));
  }
}
