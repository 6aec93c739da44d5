package dev.permafrost.contracts.v1;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A chunk's objects and manifest are written; the archive-service may verify it.
 *
 * @param partition the partition's name, e.g. {@code 2026-11-20} for a daily partition
 * @param partitionStart inclusive start of the partition's half-open UTC interval
 * @param partitionEnd exclusive end
 * @param sequence 1 for the first chunk of a partition, 2.. for late data
 * @param rowDigest the chunk's order-independent row digest, 32 lowercase hex digits
 */
public record PartitionReady(
    UUID chunkId,
    String dataset,
    String partition,
    Instant partitionStart,
    Instant partitionEnd,
    int sequence,
    String manifestKey,
    List<ChunkObject> objects,
    long rowCount,
    String rowDigest) {

  public PartitionReady {
    Objects.requireNonNull(chunkId, "chunkId");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(partition, "partition");
    Objects.requireNonNull(partitionStart, "partitionStart");
    Objects.requireNonNull(partitionEnd, "partitionEnd");
    Objects.requireNonNull(manifestKey, "manifestKey");
    objects = List.copyOf(Objects.requireNonNull(objects, "objects"));
    Objects.requireNonNull(rowDigest, "rowDigest");
  }
}
