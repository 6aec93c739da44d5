package dev.permafrost.archive.domain;

import java.util.List;
import java.util.UUID;

/**
 * What reading one chunk back from the object store found, and the chunk's state afterwards.
 *
 * @param rows the rows its objects decoded to
 * @param rowDigest the digest of those rows; null when the manifest could not be read
 * @param problems every difference from the catalog; empty when the chunk is intact
 */
public record Verification(
    UUID chunkId,
    String dataset,
    String partition,
    int sequence,
    ChunkState state,
    boolean intact,
    long rows,
    String rowDigest,
    List<String> problems) {

  public Verification {
    problems = List.copyOf(problems);
  }
}
