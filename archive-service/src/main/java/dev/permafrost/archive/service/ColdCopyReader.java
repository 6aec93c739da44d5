package dev.permafrost.archive.service;

import dev.permafrost.archive.config.ArchiveConfig;
import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.format.ChunkFileReader;
import dev.permafrost.format.Column;
import dev.permafrost.format.CopyText;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.RowDigest;
import dev.permafrost.format.TableSchema;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Reads a chunk back from the object store and compares it with the catalog: manifest, object sizes
 * and SHA-256, decoded row count and row digest. Store outages propagate as exceptions; only what
 * the store returned wrongly counts as a problem.
 */
@ApplicationScoped
public class ColdCopyReader {

  private final ObjectStore store;
  private final Path workDir;

  public ColdCopyReader(ObjectStore store, ArchiveConfig config) {
    this.store = store;
    this.workDir = config.workDir();
  }

  /** Where the rows of a chunk being read back go, besides into its digest. */
  interface RowSink extends java.io.Closeable {
    void accept(Object[] row) throws IOException;
  }

  /** Opens a sink for rows of the schema the manifest declares. */
  interface RowSinkFactory {
    RowSink open(TableSchema schema) throws IOException;
  }

  static final RowSinkFactory NO_SINK =
      schema ->
          new RowSink() {
            @Override
            public void accept(Object[] row) {}

            @Override
            public void close() {}
          };

  /**
   * A sink that writes the values of column {@code primaryKey} to {@code keysFile} in COPY text
   * format, one per line, for the prune to delete exactly these rows.
   */
  static RowSinkFactory keysTo(String primaryKey, Path keysFile) {
    return schema -> {
      int keyIndex = schema.indexOf(primaryKey);
      Column key = schema.column(keyIndex);
      Writer keys = new BufferedWriter(Files.newBufferedWriter(keysFile, StandardCharsets.UTF_8));
      StringBuilder line = new StringBuilder();
      return new RowSink() {
        @Override
        public void accept(Object[] row) throws IOException {
          line.setLength(0);
          CopyText.appendValue(line, key, row[keyIndex]);
          keys.append(line).append('\n');
        }

        @Override
        public void close() throws IOException {
          keys.close();
        }
      };
    };
  }

  /**
   * Reads {@code chunk} back, handing every decoded row to a sink opened for the manifest's schema.
   * The sink sees the rows before the digest is complete: its user must discard them unless the
   * result is intact.
   */
  ReadBack readBack(Chunk chunk, RowSinkFactory sinks) throws IOException {
    List<String> problems = new ArrayList<>();
    Manifest manifest;
    try {
      manifest = Manifest.fromJson(store.getBytes(chunk.manifestKey()));
    } catch (NoSuchKeyException e) {
      return new ReadBack(
          null, 0, null, List.of("manifest " + chunk.manifestKey() + " is missing"));
    } catch (IllegalArgumentException e) {
      return new ReadBack(
          null,
          0,
          null,
          List.of("manifest " + chunk.manifestKey() + " is unreadable: " + e.getMessage()));
    }
    if (manifest.rowCount() != chunk.rowCount()
        || !manifest.rowDigest().equals(chunk.rowDigest())) {
      problems.add(
          "manifest says "
              + manifest.rowCount()
              + " rows / "
              + manifest.rowDigest()
              + ", catalog "
              + chunk.rowCount()
              + " / "
              + chunk.rowDigest());
    }
    if (!manifest.objects().equals(chunk.objects())) {
      problems.add("manifest lists other objects than the catalog");
    }
    TableSchema schema = manifest.schema();
    RowDigest digest = new RowDigest(schema);
    Files.createDirectories(workDir);
    try (RowSink sink = sinks.open(schema)) {
      for (Manifest.StoredObject object : chunk.objects()) {
        readObject(object, schema, digest, sink, problems);
      }
    }
    if (digest.count() != chunk.rowCount() || !digest.hex().equals(chunk.rowDigest())) {
      problems.add(
          "objects decode to "
              + digest.count()
              + " rows / "
              + digest.hex()
              + ", catalog "
              + chunk.rowCount()
              + " / "
              + chunk.rowDigest());
    }
    return new ReadBack(schema, digest.count(), digest.hex(), problems);
  }

  private void readObject(
      Manifest.StoredObject object,
      TableSchema schema,
      RowDigest digest,
      RowSink sink,
      List<String> problems)
      throws IOException {
    Path file = workDir.resolve("read-back-" + UUID.randomUUID() + ".parquet");
    try {
      ObjectStore.StoredBytes stored;
      try {
        stored = store.download(object.key(), file);
      } catch (NoSuchKeyException e) {
        problems.add("object " + object.key() + " is missing");
        return;
      }
      String mismatch = stored.mismatch(object.key(), object.bytes(), object.sha256());
      if (mismatch != null) {
        problems.add(mismatch);
        return;
      }
      try {
        ChunkFileReader.read(
            file,
            schema,
            row -> {
              digest.add(row);
              try {
                sink.accept(row);
              } catch (RuntimeException e) {
                throw new SinkFailure(e);
              }
            });
      } catch (SinkFailure e) {
        throw e.cause; // the sink's own failure, not a fault of the stored object
      } catch (RuntimeException e) {
        problems.add("object " + object.key() + " cannot be decoded: " + e.getMessage());
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** Carries a sink's failure past the handler that counts decode failures as damage. */
  private static final class SinkFailure extends RuntimeException {
    private final RuntimeException cause;

    SinkFailure(RuntimeException cause) {
      super(cause);
      this.cause = cause;
    }
  }
}
