package dev.permafrost.contracts.v1;

import java.util.Objects;

/**
 * One immutable object of a chunk.
 *
 * @param sha256 lowercase hex SHA-256 of the object's bytes
 */
public record ChunkObject(String key, long bytes, String sha256, long rows) {

  public ChunkObject {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(sha256, "sha256");
  }
}
