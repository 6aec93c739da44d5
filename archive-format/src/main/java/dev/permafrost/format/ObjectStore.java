package dev.permafrost.format;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.UUID;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The chunk objects in one S3 bucket. Objects are written once: a second write of the same key
 * succeeds only if it carries the same bytes, which makes retried uploads safe.
 */
public final class ObjectStore {

  private static final int PRECONDITION_FAILED = 412;
  private static final int NOT_FOUND = 404;

  private final S3Client s3;
  private final String bucket;

  public ObjectStore(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  public String bucket() {
    return bucket;
  }

  /** What was stored or fetched: size and SHA-256 of the bytes. */
  public record StoredBytes(long bytes, String sha256) {

    /**
     * How these bytes differ from object {@code key} as recorded, or null when they are the same.
     */
    public String mismatch(String key, long expectedBytes, String expectedSha256) {
      if (bytes == expectedBytes && sha256.equals(expectedSha256)) {
        return null;
      }
      return "object "
          + key
          + " has "
          + bytes
          + " bytes / sha256 "
          + sha256
          + ", expected "
          + expectedBytes
          + " / "
          + expectedSha256;
    }
  }

  /**
   * Stores {@code content} at {@code key} unless an object is there already: small objects such as
   * manifests; chunk files stream through {@link #outputFile}.
   *
   * @throws ObjectConflictException if the key holds different bytes
   */
  public StoredBytes putOnce(String key, byte[] content) throws IOException {
    StoredBytes local = new StoredBytes(content.length, Sha256.hex(content));
    try {
      s3.putObject(
          PutObjectRequest.builder().bucket(bucket).key(key).ifNoneMatch("*").build(),
          RequestBody.fromBytes(content));
    } catch (S3Exception e) {
      if (e.statusCode() != PRECONDITION_FAILED) {
        throw e;
      }
      assertSameAsStored(key, local);
    }
    return local;
  }

  private void assertSameAsStored(String key, StoredBytes local) throws IOException {
    StoredBytes stored = digestOf(key);
    if (!stored.equals(local)) {
      throw new ObjectConflictException(
          "object " + key + " exists with other content (" + stored + ", ours " + local + ")");
    }
  }

  /** Downloads {@code key} into {@code target}, replacing it, and returns what arrived. */
  public StoredBytes download(String key, Path target) throws IOException {
    MessageDigest digest = Sha256.newDigest();
    try (ResponseInputStream<GetObjectResponse> in = get(key);
        OutputStream out = new DigestOutputStream(Files.newOutputStream(target), digest)) {
      long bytes = in.transferTo(out);
      out.flush();
      return new StoredBytes(bytes, HexFormat.of().formatHex(digest.digest()));
    }
  }

  public byte[] getBytes(String key) throws IOException {
    try (InputStream in = get(key)) {
      return in.readAllBytes();
    }
  }

  /** Size and SHA-256 of a stored object, read in full. */
  public StoredBytes digestOf(String key) throws IOException {
    MessageDigest digest = Sha256.newDigest();
    long bytes = 0;
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = get(key)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
        bytes += n;
      }
    }
    return new StoredBytes(bytes, HexFormat.of().formatHex(digest.digest()));
  }

  public boolean exists(String key) {
    try {
      s3.headObject(b -> b.bucket(bucket).key(key));
      return true;
    } catch (S3Exception e) {
      if (e.statusCode() == NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /**
   * A Parquet output file that streams into {@code key}, written once; see {@link S3OutputFile}.
   */
  public S3OutputFile outputFile(String key) {
    return new S3OutputFile(this, s3, key);
  }

  /** A stored object's key and when it was last written. */
  public record Listed(String key, java.time.Instant lastModified) {}

  /** Every object whose key starts with {@code prefix}, with its time, page by page. */
  public java.util.List<Listed> listUnder(String prefix) {
    java.util.List<Listed> objects = new java.util.ArrayList<>();
    s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix))
        .contents()
        .forEach(object -> objects.add(new Listed(object.key(), object.lastModified())));
    return objects;
  }

  /** Every key that starts with {@code prefix}, page by page. */
  public java.util.List<String> keysUnder(String prefix) {
    java.util.List<String> keys = new java.util.ArrayList<>();
    s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix))
        .contents()
        .forEach(object -> keys.add(object.key()));
    return keys;
  }

  /**
   * Deletes every object of chunk {@code chunkId}, its manifest and its data files in any tenant
   * directory of the partition. Only for a chunk that no catalog knows: an attempt that died before
   * recording it, whose retry writes the same keys.
   */
  public void discardChunk(
      ObjectKeys keys, DatasetDefinition dataset, java.time.Instant partitionStart, UUID chunkId) {
    delete(keys.manifestKey(dataset.name(), chunkId));
    // Listing is for this clean-up only: the catalog, never the bucket, says what is cold.
    String marker = "/chunk-" + chunkId + "-";
    for (String key :
        keysUnder(keys.partitionFolder(dataset.name(), dataset.grain(), partitionStart))) {
      if (key.contains(marker)) {
        delete(key);
      }
    }
  }

  /**
   * Downloads {@code object} into {@code target} and checks its size and SHA-256 against what its
   * chunk recorded.
   *
   * @throws IllegalStateException naming the object if it differs; {@code target} is deleted
   */
  public void downloadChecked(Manifest.StoredObject object, Path target) throws IOException {
    String mismatch =
        download(object.key(), target).mismatch(object.key(), object.bytes(), object.sha256());
    if (mismatch != null) {
      Files.deleteIfExists(target);
      throw new DamagedObjectException(mismatch + "; verify its chunk");
    }
  }

  /** An object that is not what the catalog says it is: other bytes, or fewer. */
  public static final class DamagedObjectException extends IllegalStateException {
    public DamagedObjectException(String message) {
      super(message);
    }
  }

  public void delete(String key) {
    s3.deleteObject(DeleteObjectRequest.builder().bucket(bucket).key(key).build());
  }

  private ResponseInputStream<GetObjectResponse> get(String key) {
    return s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).build());
  }
}
