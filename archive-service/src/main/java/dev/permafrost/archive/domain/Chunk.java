package dev.permafrost.archive.domain;

import dev.permafrost.format.Manifest;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A chunk as the catalog records it. */
public record Chunk(
    UUID chunkId,
    String dataset,
    String partition,
    Instant partitionStart,
    Instant partitionEnd,
    int sequence,
    ChunkState state,
    long leaseEpoch,
    String manifestKey,
    long rowCount,
    String rowDigest,
    long bytes,
    String lastError,
    Instant stateChangedAt,
    List<Manifest.StoredObject> objects) {

  public Chunk {
    objects = List.copyOf(objects);
  }
}
