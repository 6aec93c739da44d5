package dev.permafrost.archive.service;

import dev.permafrost.archive.config.ArchiveConfig;
import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.format.Column;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.RowDigest;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * What an erasure's rewrite and a compaction share when they write a chunk that replaces others:
 * downloading the old objects checked, clearing what an interrupted attempt left, and writing the
 * replacement's manifest and reading the replacement back before anything is swapped.
 */
@ApplicationScoped
public class ReplacementChunks {

  private final ObjectStore store;
  private final ObjectKeys keys;
  private final ChunkVerifier verifier;
  private final Path workDir;
  private final Clock clock = Clock.systemUTC();

  public ReplacementChunks(
      ObjectStore store, ObjectKeys keys, ChunkVerifier verifier, ArchiveConfig config) {
    this.store = store;
    this.keys = keys;
    this.verifier = verifier;
    this.workDir = config.workDir();
  }

  /** Deletes the objects of a replacement that an interrupted attempt wrote but never recorded. */
  void discardUnrecorded(DatasetDefinition dataset, Chunk replaced, UUID replacementId) {
    store.discardChunk(keys, dataset, replaced.partitionStart(), replacementId);
  }

  /**
   * Downloads one of a chunk's objects into a local file, checked against the catalog; the caller
   * deletes the file.
   */
  Path download(Manifest.StoredObject object) throws IOException {
    Files.createDirectories(workDir);
    Path file = workDir.resolve("replace-" + UUID.randomUUID() + ".parquet");
    store.downloadChecked(object, file);
    return file;
  }

  /**
   * Writes the manifest of a chunk that replaces {@code replaced} in its partition, holding {@code
   * objects} and exactly the rows {@code rows} sums up, and reads it back.
   *
   * @param columns the replaced chunk's columns
   * @param minTime the smallest time value the replacement holds, null if unknown
   * @param maxTime the largest, null if unknown
   * @return the replacement, in state EXPORTED until the caller swaps it in
   * @throws IllegalStateException if the replacement does not read back as written
   */
  Chunk writeAndVerify(
      Chunk replaced,
      List<Column> columns,
      UUID replacementId,
      int sequence,
      List<Manifest.StoredObject> objects,
      RowDigest rows,
      String minTime,
      String maxTime)
      throws IOException {
    String manifestKey = keys.manifestKey(replaced.dataset(), replacementId);
    store.putOnce(
        manifestKey,
        new Manifest(
                Manifest.FORMAT_VERSION,
                replacementId,
                replaced.dataset(),
                replaced.partition(),
                replaced.partitionStart(),
                replaced.partitionEnd(),
                sequence,
                columns,
                objects,
                rows.count(),
                rows.hex(),
                minTime,
                maxTime,
                clock.instant())
            .toJson());
    Chunk replacement =
        new Chunk(
            replacementId,
            replaced.dataset(),
            replaced.partition(),
            replaced.partitionStart(),
            replaced.partitionEnd(),
            sequence,
            ChunkState.EXPORTED,
            0,
            manifestKey,
            rows.count(),
            rows.hex(),
            objects.stream().mapToLong(Manifest.StoredObject::bytes).sum(),
            null,
            clock.instant(),
            objects);
    ReadBack readBack = verifier.readBack(replacement);
    if (!readBack.intact()) {
      throw new IllegalStateException(
          "chunk "
              + replacementId
              + ", which replaces "
              + replaced.chunkId()
              + ", does not read back as written: "
              + String.join("; ", readBack.problems()));
    }
    return replacement;
  }
}
