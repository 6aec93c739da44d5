package dev.permafrost.archive.service;

import dev.permafrost.archive.config.ArchiveConfig;
import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.format.ChunkFileReader;
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

  /**
   * Reads {@code chunk} back.
   *
   * @param primaryKey if not null, the values of this column are written to {@code keysFile} in
   *     COPY text format, one per line, for the prune to delete exactly these rows
   */
  ReadBack readBack(Chunk chunk, String primaryKey, Path keysFile) throws IOException {
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
    int keyIndex = primaryKey == null ? -1 : schema.indexOf(primaryKey);
    RowDigest digest = new RowDigest(schema);
    Files.createDirectories(workDir);
    try (Writer keys =
        keysFile == null
            ? Writer.nullWriter()
            : new BufferedWriter(Files.newBufferedWriter(keysFile, StandardCharsets.UTF_8))) {
      for (Manifest.StoredObject object : chunk.objects()) {
        readObject(object, schema, keyIndex, digest, keys, problems);
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
      int keyIndex,
      RowDigest digest,
      Writer keys,
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
      if (stored.bytes() != object.bytes() || !stored.sha256().equals(object.sha256())) {
        problems.add(
            "object "
                + object.key()
                + " has "
                + stored.bytes()
                + " bytes / sha256 "
                + stored.sha256()
                + ", expected "
                + object.bytes()
                + " / "
                + object.sha256());
        return;
      }
      try {
        ChunkFileReader.read(
            file,
            schema,
            row -> {
              digest.add(row);
              if (keyIndex >= 0) {
                keys.write(copyText(row[keyIndex]));
                keys.write('\n');
              }
            });
      } catch (RuntimeException e) {
        problems.add("object " + object.key() + " cannot be decoded: " + e.getMessage());
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** A value in PostgreSQL's COPY text format. */
  private static String copyText(Object value) {
    if (value == null) {
      return "\\N";
    }
    return value
        .toString()
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r");
  }
}
