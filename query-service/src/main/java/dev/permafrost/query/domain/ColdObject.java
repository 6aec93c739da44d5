package dev.permafrost.query.domain;

import java.time.Instant;
import java.util.UUID;

/**
 * One object of an ACTIVE chunk, as the catalog lists it; every row it holds lies in [{@code
 * partitionStart}, {@code partitionEnd}).
 */
public record ColdObject(
    UUID chunkId,
    String partition,
    Instant partitionStart,
    Instant partitionEnd,
    String key,
    String sha256,
    long bytes) {

  /** Whether its partition overlaps [from, to), as the catalog's range queries decide it. */
  public boolean overlaps(Instant from, Instant to) {
    return partitionStart.isBefore(to) && partitionEnd.isAfter(from);
  }
}
