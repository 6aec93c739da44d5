package dev.permafrost.format;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What a chunk holds, written next to its data files as {@code _manifests/DATASET/CHUNKID.json}.
 *
 * @param rowDigest order-independent digest of the rows, see {@link RowDigest}
 * @param minTime smallest value of the time column in the chunk, null if it has no rows
 */
public record Manifest(
    int formatVersion,
    UUID chunkId,
    String dataset,
    String partition,
    Instant partitionStart,
    Instant partitionEnd,
    int sequence,
    List<Column> columns,
    List<StoredObject> objects,
    long rowCount,
    String rowDigest,
    String minTime,
    String maxTime,
    Instant createdAt) {

  public static final int FORMAT_VERSION = 1;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  public Manifest {
    Objects.requireNonNull(chunkId, "chunkId");
    columns = List.copyOf(columns);
    objects = List.copyOf(objects);
  }

  /**
   * One data file of the chunk.
   *
   * @param tenant the one tenant whose rows the file holds when the chunk is split per tenant; null
   *     otherwise
   */
  public record StoredObject(
      String key,
      long bytes,
      String sha256,
      long rows,
      @JsonInclude(JsonInclude.Include.NON_NULL) String tenant) {

    /** A file of a chunk that is not split per tenant. */
    public StoredObject(String key, long bytes, String sha256, long rows) {
      this(key, bytes, sha256, rows, null);
    }
  }

  public TableSchema schema() {
    return new TableSchema(columns);
  }

  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize manifest " + chunkId, e);
    }
  }

  public static Manifest fromJson(byte[] json) {
    try {
      Manifest manifest = JSON.readValue(json, Manifest.class);
      if (manifest.formatVersion() != FORMAT_VERSION) {
        throw new IllegalArgumentException(
            "manifest format version " + manifest.formatVersion() + " is not " + FORMAT_VERSION);
      }
      return manifest;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not a manifest: " + e.getMessage(), e);
    }
  }
}
