package dev.permafrost.format;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Chunk ids are derived from what the chunk is, so that every retry names the same chunk. */
public final class ChunkIds {

  private ChunkIds() {}

  /** The id of chunk {@code sequence} (from 1) of a dataset's partition. */
  public static UUID of(String dataset, String partition, int sequence) {
    return UUID.nameUUIDFromBytes(
        (dataset + "/" + partition + "/" + sequence).getBytes(StandardCharsets.UTF_8));
  }
}
