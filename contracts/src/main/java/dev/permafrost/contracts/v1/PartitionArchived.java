package dev.permafrost.contracts.v1;

import java.util.Objects;
import java.util.UUID;

/**
 * A chunk became ACTIVE: its rows were verified and pruned from PostgreSQL in one transaction.
 *
 * @param rowsPruned hot rows deleted (mode move) or stripped of their offloaded columns
 */
public record PartitionArchived(
    UUID chunkId, String dataset, String partition, long rowsPruned, String rowDigest) {

  public PartitionArchived {
    Objects.requireNonNull(chunkId, "chunkId");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(partition, "partition");
    Objects.requireNonNull(rowDigest, "rowDigest");
  }
}
