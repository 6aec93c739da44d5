package dev.permafrost.contracts.v1;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** Chunks were loaded back into PostgreSQL and are no longer visible to cold queries. */
public record PartitionRestored(
    List<UUID> chunkIds, String dataset, String partition, long rowsRestored) {

  public PartitionRestored {
    chunkIds = List.copyOf(Objects.requireNonNull(chunkIds, "chunkIds"));
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(partition, "partition");
  }
}
