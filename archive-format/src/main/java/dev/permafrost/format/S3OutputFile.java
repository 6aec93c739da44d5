package dev.permafrost.format;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A Parquet {@link OutputFile} that streams into one object-store key: bytes are uploaded in parts
 * while the writer encodes, so a file never touches local disk and memory holds one part. The
 * object appears only when the stream is closed; a stream that fails is aborted and leaves nothing
 * visible. A file smaller than one part is sent as a single write-once PUT.
 */
public final class S3OutputFile implements OutputFile {

  /** Parts of 8 MiB: S3 wants at least 5 MiB for every part but the last. */
  static final int PART_BYTES = 8 << 20;

  private final ObjectStore store;
  private final S3Client s3;
  private final String key;
  private Upload upload;

  S3OutputFile(ObjectStore store, S3Client s3, String key) {
    this.store = store;
    this.s3 = s3;
    this.key = key;
  }

  /** What was stored, once the writer closed the stream. */
  public ObjectStore.StoredBytes stored() {
    if (upload == null || upload.stored == null) {
      throw new IllegalStateException("object " + key + " was not completed");
    }
    return upload.stored;
  }

  @Override
  public PositionOutputStream create(long blockSizeHint) throws IOException {
    if (store.exists(key)) {
      throw new ObjectConflictException(
          "object " + key + " exists already; chunks are written once");
    }
    upload = new Upload();
    return upload;
  }

  @Override
  public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
    throw new UnsupportedOperationException("chunk objects are written once, never overwritten");
  }

  @Override
  public boolean supportsBlockSize() {
    return false;
  }

  @Override
  public long defaultBlockSize() {
    return 0;
  }

  @Override
  public String getPath() {
    return store.bucket() + "/" + key;
  }

  /** The stream of one object: a part buffer, the parts uploaded so far and a running SHA-256. */
  private final class Upload extends PositionOutputStream {
    private final MessageDigest sha256 = Sha256.newDigest();
    private final List<CompletedPart> parts = new ArrayList<>();
    private final byte[] buffer = new byte[PART_BYTES];
    private int buffered;
    private long position;
    private String uploadId;
    private boolean closed;
    private ObjectStore.StoredBytes stored;

    @Override
    public long getPos() {
      return position;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      ensureOpen();
      sha256.update(bytes, offset, length);
      position += length;
      while (length > 0) {
        if (buffered == PART_BYTES) {
          uploadPart();
        }
        int n = Math.min(length, PART_BYTES - buffered);
        System.arraycopy(bytes, offset, buffer, buffered, n);
        buffered += n;
        offset += n;
        length -= n;
      }
    }

    private void uploadPart() {
      try {
        if (uploadId == null) {
          uploadId = s3.createMultipartUpload(b -> b.bucket(store.bucket()).key(key)).uploadId();
        }
        int partNumber = parts.size() + 1;
        String eTag =
            s3.uploadPart(
                    b ->
                        b.bucket(store.bucket())
                            .key(key)
                            .uploadId(uploadId)
                            .partNumber(partNumber)
                            .contentLength((long) buffered),
                    RequestBody.fromBytes(java.util.Arrays.copyOf(buffer, buffered)))
                .eTag();
        parts.add(CompletedPart.builder().partNumber(partNumber).eTag(eTag).build());
        buffered = 0;
      } catch (RuntimeException e) {
        abort(e);
        throw e;
      }
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      String sha = HexFormat.of().formatHex(sha256.digest());
      if (uploadId == null) {
        // Small enough for one part: one conditional PUT, the simplest write-once there is.
        stored = store.putOnce(key, java.util.Arrays.copyOf(buffer, buffered));
        return;
      }
      if (buffered > 0) {
        uploadPart();
      }
      try {
        // Conditional like every write of a chunk object: another writer's object stays.
        s3.completeMultipartUpload(
            b ->
                b.bucket(store.bucket())
                    .key(key)
                    .uploadId(uploadId)
                    .ifNoneMatch("*")
                    .multipartUpload(m -> m.parts(parts)));
      } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
        abort(e);
        if (e.statusCode() == 412) {
          throw new ObjectConflictException(
              "object " + key + " appeared while it was being written; chunks are written once");
        }
        throw e;
      } catch (RuntimeException e) {
        abort(e);
        throw e;
      }
      stored = new ObjectStore.StoredBytes(position, sha);
    }

    /** Gives the upload up: its parts are discarded and no object appears. */
    void abort(Exception cause) {
      closed = true;
      if (uploadId != null) {
        try {
          s3.abortMultipartUpload(b -> b.bucket(store.bucket()).key(key).uploadId(uploadId));
        } catch (RuntimeException e) {
          cause.addSuppressed(e);
        }
      }
    }

    private void ensureOpen() throws IOException {
      if (closed) {
        throw new IOException("stream of " + key + " is closed");
      }
    }
  }

  /** Abandons a stream that was not closed, e.g. because reading the rows failed. */
  public void abandon(Exception cause) {
    if (upload != null && !upload.closed) {
      upload.abort(cause);
    }
  }
}
