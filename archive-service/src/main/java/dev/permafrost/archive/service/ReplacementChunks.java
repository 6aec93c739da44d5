package dev.permafrost.archive.service;

import dev.permafrost.archive.config.ArchiveConfig;
import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.archive.persistence.Catalog;
import dev.permafrost.format.ChunkFileReader;
import dev.permafrost.format.ChunkFileWriter;
import dev.permafrost.format.Column;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.RowDigest;
import dev.permafrost.format.S3OutputFile;
import dev.permafrost.format.TableSchema;
import dev.permafrost.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * What an erasure's rewrite, a one-tenant restore and a compaction share when they write a chunk
 * that replaces others: rewriting a chunk without some tenants' rows, downloading the old objects
 * checked, clearing what an interrupted attempt left, and writing the replacement's manifest and
 * reading the replacement back before anything is swapped.
 */
@ApplicationScoped
public class ReplacementChunks {

  private final DataSource dataSource;
  private final Catalog catalog;
  private final ObjectStore store;
  private final ObjectKeys keys;
  private final ChunkVerifier verifier;
  private final Path workDir;
  private final Clock clock = Clock.systemUTC();

  public ReplacementChunks(
      DataSource dataSource,
      Catalog catalog,
      ObjectStore store,
      ObjectKeys keys,
      ChunkVerifier verifier,
      ArchiveConfig config) {
    this.dataSource = dataSource;
    this.catalog = catalog;
    this.store = store;
    this.keys = keys;
    this.verifier = verifier;
    this.workDir = config.workDir();
  }

  /**
   * What a chunk becomes without some tenants' rows.
   *
   * @param replacement the chunk holding the other rows, written and read back but not recorded;
   *     null when no other row is left
   * @param removed count and digest of the tenants' rows
   * @param replacedObjects the chunk's objects that the replacement does not use, the manifest
   *     included; every object when there is no replacement
   */
  record Without(Chunk replacement, RowDigest removed, List<String> replacedObjects) {}

  /**
   * How many rows of {@code tenants} each object of {@code chunk} holds, for objects holding any:
   * what an erasure would rewrite or delete. Reads the objects that may hold them.
   */
  Map<Manifest.StoredObject, Long> tenantRows(
      Chunk chunk, DatasetDefinition dataset, Set<String> tenants) throws IOException {
    TableSchema schema = Manifest.fromJson(store.getBytes(chunk.manifestKey())).schema();
    int tenantIndex = schema.indexOf(dataset.tenantColumn().orElseThrow());
    Predicate<Object[]> ofTenants =
        row -> row[tenantIndex] != null && tenants.contains(row[tenantIndex].toString());
    Map<Manifest.StoredObject, Long> rows = new java.util.LinkedHashMap<>();
    for (Manifest.StoredObject object : chunk.objects()) {
      if (object.tenant() != null) {
        if (tenants.contains(object.tenant())) {
          rows.put(object, object.rows()); // the tenant's own file: every row is the tenant's
        }
        continue;
      }
      Path file = null;
      try {
        file = download(object);
        long ofTheTenants = countRows(file, schema, ofTenants);
        if (ofTheTenants > 0) {
          rows.put(object, ofTheTenants);
        }
      } finally {
        if (file != null) {
          Files.deleteIfExists(file);
        }
      }
    }
    return rows;
  }

  /**
   * Writes what is left of {@code chunk} without the rows of {@code tenants} as chunk {@code
   * replacementId}, and reads it back. Another tenant's object of a chunk split per tenant is
   * reused as it is. Clears first what an interrupted attempt left.
   *
   * @return empty if the chunk holds none of their rows
   * @throws IllegalStateException if the replacement is recorded already: the caller's chunk has
   *     moved on
   */
  Optional<Without> without(
      Chunk chunk, DatasetDefinition dataset, Set<String> tenants, UUID replacementId)
      throws IOException {
    if (Transactions.inSnapshot(dataSource, c -> catalog.find(c, replacementId)).isPresent()) {
      throw new IllegalStateException(
          "chunk " + chunk.chunkId() + " was replaced by " + replacementId + " already");
    }
    discardUnrecorded(dataset, chunk, replacementId);
    Manifest manifest = Manifest.fromJson(store.getBytes(chunk.manifestKey()));
    TableSchema schema = manifest.schema();
    int tenantIndex = schema.indexOf(dataset.tenantColumn().orElseThrow());
    Predicate<Object[]> ofTenants =
        row -> row[tenantIndex] != null && tenants.contains(row[tenantIndex].toString());

    RowDigest removed = new RowDigest(schema);
    List<Manifest.StoredObject> kept = new ArrayList<>();
    List<String> replaced = new ArrayList<>();
    int objectNo = 0;
    for (Manifest.StoredObject object : chunk.objects()) {
      objectNo++;
      if (object.tenant() != null && !tenants.contains(object.tenant())) {
        kept.add(object); // another tenant's file: reused as it is
        continue;
      }
      Path file = download(object);
      try {
        long ofTheTenants = countRows(file, schema, ofTenants);
        if (ofTheTenants == 0) {
          kept.add(object);
          continue;
        }
        replaced.add(object.key());
        if (ofTheTenants < object.rows()) {
          kept.add(
              writeWithout(
                  file, schema, ofTenants, dataset, chunk, replacementId, objectNo, removed));
        } else {
          ChunkFileReader.read(file, schema, removed::add);
        }
      } finally {
        Files.deleteIfExists(file);
      }
    }
    if (removed.count() == 0) {
      return Optional.empty();
    }
    replaced.add(chunk.manifestKey());
    if (kept.isEmpty()) {
      return Optional.of(new Without(null, removed, replaced));
    }
    RowDigest rest = RowDigest.of(schema, chunk.rowCount(), chunk.rowDigest());
    rest.subtract(removed);
    Chunk replacement =
        writeAndVerify(
            chunk,
            manifest.columns(),
            replacementId,
            chunk.sequence(),
            kept,
            rest,
            manifest.minTime(),
            manifest.maxTime());
    return Optional.of(new Without(replacement, removed, replaced));
  }

  /** One object of the replacement: the rows of {@code file} that {@code removedRow} rejects. */
  private Manifest.StoredObject writeWithout(
      Path file,
      TableSchema schema,
      Predicate<Object[]> removedRow,
      DatasetDefinition dataset,
      Chunk chunk,
      UUID replacementId,
      int objectNo,
      RowDigest removed)
      throws IOException {
    String key =
        keys.dataKey(
            dataset.name(), dataset.grain(), chunk.partitionStart(), null, replacementId, objectNo);
    S3OutputFile output = store.outputFile(key);
    ChunkFileWriter writer =
        ChunkFileWriter.create(
            output,
            schema,
            CompressionCodecName.valueOf(dataset.layout().codec()),
            dataset.layout().rowGroupBytes());
    try {
      ChunkFileReader.read(
          file,
          schema,
          row -> {
            if (removedRow.test(row)) {
              removed.add(row);
            } else {
              writer.write(row);
            }
          });
      writer.close();
    } catch (IOException | RuntimeException e) {
      output.abandon(e);
      throw e;
    }
    ObjectStore.StoredBytes stored = output.stored();
    return new Manifest.StoredObject(
        key, stored.bytes(), stored.sha256(), writer.digest().count(), null);
  }

  private static long countRows(Path file, TableSchema schema, Predicate<Object[]> counted)
      throws IOException {
    long[] count = {0};
    ChunkFileReader.read(
        file,
        schema,
        row -> {
          if (counted.test(row)) {
            count[0]++;
          }
        });
    return count[0];
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
