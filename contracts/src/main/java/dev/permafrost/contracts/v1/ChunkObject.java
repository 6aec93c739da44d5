package dev.permafrost.contracts.v1;

import java.util.Objects;

/**
 * One immutable object of a chunk.
 *
 * @param sha256 lowercase hex SHA-256 of the object's bytes
 * @param tenant the one tenant whose rows the object holds when the chunk is split per tenant;
 *     absent otherwise (added in v1 without breaking readers: they ignore unknown fields)
 */
public record ChunkObject(String key, long bytes, String sha256, long rows, String tenant) {

  public ChunkObject {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(sha256, "sha256");
  }

  /** An object of a chunk that is not split per tenant. */
  public ChunkObject(String key, long bytes, String sha256, long rows) {
    this(key, bytes, sha256, rows, null);
  }
}
