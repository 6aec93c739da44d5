package dev.permafrost.archive.service;

import dev.permafrost.archive.config.ArchiveConfig;
import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.archive.persistence.AuditLog;
import dev.permafrost.archive.persistence.Catalog;
import dev.permafrost.archive.persistence.Erasures;
import dev.permafrost.archive.persistence.PartitionLocks;
import dev.permafrost.format.ChunkFileReader;
import dev.permafrost.format.ChunkFileWriter;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.LifecycleMode;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.RowDigest;
import dev.permafrost.format.S3OutputFile;
import dev.permafrost.format.TableSchema;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.jboss.logging.Logger;

/**
 * Merges the ACTIVE chunks of a partition that has more than a configured number of them (late data
 * adds a small chunk per import) into one chunk. The merged chunk is written, read back and checked
 * against the sum of its sources' counts and digests, then one transaction makes it ACTIVE and its
 * sources SUPERSEDED. The sources' objects are deleted after a grace period, so that queries that
 * started before the swap can still read them.
 */
@ApplicationScoped
public class Compaction {

  private static final Logger LOG = Logger.getLogger(Compaction.class);

  private final DataSource dataSource;
  private final Catalog catalog;
  private final Erasures erasures;
  private final AuditLog audit;
  private final Datasets datasets;
  private final ObjectStore store;
  private final ObjectKeys keys;
  private final ReplacementChunks replacements;
  private final ArchiveConfig config;
  private final PartitionLocks locks;
  private final Clock clock = Clock.systemUTC();

  public Compaction(
      DataSource dataSource,
      Catalog catalog,
      Erasures erasures,
      AuditLog audit,
      Datasets datasets,
      ObjectStore store,
      ObjectKeys keys,
      ReplacementChunks replacements,
      ArchiveConfig config,
      PartitionLocks locks) {
    this.dataSource = dataSource;
    this.catalog = catalog;
    this.erasures = erasures;
    this.audit = audit;
    this.datasets = datasets;
    this.store = store;
    this.keys = keys;
    this.replacements = replacements;
    this.config = config;
    this.locks = locks;
  }

  /**
   * Compacts every partition that has more ACTIVE chunks than {@code
   * permafrost.archive.compaction-min-chunks}, a few at a time.
   *
   * @return the merged chunks' ids
   */
  public List<UUID> compactDue() {
    List<UUID> merged = new ArrayList<>();
    for (String[] partition : duePartitions()) {
      compact(partition[0], partition[1]).ifPresent(merged::add);
    }
    return merged;
  }

  /**
   * Merges the partition's ACTIVE chunks into one, if it has more than one.
   *
   * @return the merged chunk's id
   */
  public Optional<UUID> compact(String datasetName, String partition) {
    DatasetDefinition dataset = datasets.find(datasetName);
    List<Chunk> sources =
        Transactions.inSnapshot(dataSource, c -> catalog.byDataset(c, datasetName)).stream()
            .filter(c -> c.partition().equals(partition) && c.state() == ChunkState.ACTIVE)
            .sorted(Comparator.comparing(Chunk::sequence))
            .toList();
    if (sources.size() < 2) {
      return Optional.empty();
    }
    if (!mergeable(dataset)) {
      return Optional.empty();
    }
    Optional<PartitionLocks.Held> lock = locks.tryLock(datasetName, partition);
    if (lock.isEmpty()) {
      return Optional.empty(); // another worker rewrites it now
    }
    try (PartitionLocks.Held held = lock.get()) {
      return Optional.of(merge(dataset, sources));
    } catch (IOException e) {
      throw new UncheckedIOException("compacting " + datasetName + "/" + partition + " failed", e);
    }
  }

  /**
   * Chunks split per tenant keep one file per tenant, which a merge would undo; offloaded rows
   * point at their chunk, which a merge would have to follow. Neither is merged.
   */
  private static boolean mergeable(DatasetDefinition dataset) {
    return !dataset.layout().splitPerTenant() && dataset.mode() == LifecycleMode.MOVE;
  }

  private UUID merge(DatasetDefinition dataset, List<Chunk> sources) throws IOException {
    Chunk first = sources.get(0);
    Chunk last = sources.get(sources.size() - 1);
    UUID mergedId =
        UUID.nameUUIDFromBytes(
            ("compaction/"
                    + sources.stream()
                        .map(c -> c.chunkId().toString())
                        .collect(Collectors.joining("/")))
                .getBytes(StandardCharsets.UTF_8));
    if (Transactions.inSnapshot(dataSource, c -> catalog.find(c, mergedId)).isPresent()) {
      return mergedId; // merged before; its sources are SUPERSEDED by now
    }
    Manifest firstManifest = Manifest.fromJson(store.getBytes(first.manifestKey()));
    TableSchema schema = firstManifest.schema();
    replacements.discardUnrecorded(dataset, first, mergedId);

    RowDigest expected = new RowDigest(schema);
    for (Chunk source : sources) {
      expected.addAll(RowDigest.of(schema, source.rowCount(), source.rowDigest()));
    }
    List<Manifest.StoredObject> objects = writeMerged(dataset, schema, first, mergedId, sources);
    // The merged chunk takes the newest source's sequence.
    Chunk merged =
        replacements.writeAndVerify(
            first,
            firstManifest.columns(),
            mergedId,
            last.sequence(),
            objects,
            expected,
            null,
            null);
    swap(sources, merged);
    return mergedId;
  }

  /** Streams every source row into files of the dataset's target size under the merged keys. */
  private List<Manifest.StoredObject> writeMerged(
      DatasetDefinition dataset,
      TableSchema schema,
      Chunk first,
      UUID mergedId,
      List<Chunk> sources)
      throws IOException {
    CompressionCodecName codec = CompressionCodecName.valueOf(dataset.layout().codec());
    List<Manifest.StoredObject> objects = new ArrayList<>();
    MergedFile[] current = {null};
    for (Chunk source : sources) {
      for (Manifest.StoredObject object : source.objects()) {
        Path file = replacements.download(object);
        try {
          ChunkFileReader.read(
              file,
              schema,
              row -> {
                if (current[0] == null) {
                  String key =
                      keys.dataKey(
                          dataset.name(),
                          dataset.grain(),
                          first.partitionStart(),
                          null,
                          mergedId,
                          objects.size() + 1);
                  current[0] = new MergedFile(key, store.outputFile(key), schema, codec, dataset);
                }
                current[0].writer.write(row);
                if (current[0].writer.dataSize() >= dataset.layout().targetFileBytes()) {
                  objects.add(current[0].complete());
                  current[0] = null;
                }
              });
        } catch (IOException | RuntimeException e) {
          if (current[0] != null) {
            current[0].output.abandon(e);
          }
          throw e;
        } finally {
          Files.deleteIfExists(file);
        }
      }
    }
    if (current[0] != null) {
      objects.add(current[0].complete());
    }
    return objects;
  }

  /** One file of the merged chunk being written. */
  private static final class MergedFile {
    private final String key;
    private final S3OutputFile output;
    private final ChunkFileWriter writer;

    MergedFile(
        String key,
        S3OutputFile output,
        TableSchema schema,
        CompressionCodecName codec,
        DatasetDefinition dataset)
        throws IOException {
      this.key = key;
      this.output = output;
      this.writer = ChunkFileWriter.create(output, schema, codec, dataset.layout().rowGroupBytes());
    }

    Manifest.StoredObject complete() throws IOException {
      writer.close();
      ObjectStore.StoredBytes stored = output.stored();
      return new Manifest.StoredObject(
          key, stored.bytes(), stored.sha256(), writer.digest().count(), null);
    }
  }

  private void swap(List<Chunk> sources, Chunk merged) {
    Transactions.inTransaction(
        dataSource,
        c -> {
          List<String> doomed = new ArrayList<>();
          for (Chunk source : sources) {
            Chunk locked = catalog.lock(c, source.chunkId()).orElseThrow();
            if (locked.state() != ChunkState.ACTIVE || locked.leaseEpoch() != source.leaseEpoch()) {
              throw new IllegalStateException(
                  "chunk " + source.chunkId() + " changed while its partition was compacted");
            }
            catalog.transition(c, locked, ChunkState.SUPERSEDED, null);
            source.objects().forEach(o -> doomed.add(o.key()));
            doomed.add(source.manifestKey());
          }
          // The merged chunk takes the newest source's sequence, as its manifest says.
          Chunk newest = sources.get(sources.size() - 1);
          catalog.insertReplacement(c, newest, merged, ChunkState.ACTIVE);
          for (Chunk source : sources.subList(0, sources.size() - 1)) {
            catalog.markReplaced(c, source.chunkId(), merged.chunkId());
          }
          audit.record(
              c,
              AuditLog.Action.COMPACTED,
              merged,
              merged.rowCount(),
              merged.rowDigest(),
              "merged " + sources.stream().map(Chunk::chunkId).toList());
          // Queries that read the catalog before this commit may still read the old objects.
          erasures.doom(c, doomed, clock.instant().plus(config.compactionGrace()));
          return null;
        });
    LOG.infof(
        "compacted %s/%s: %d chunks, %d rows, into chunk %s",
        merged.dataset(), merged.partition(), sources.size(), merged.rowCount(), merged.chunkId());
  }

  private List<String[]> duePartitions() {
    return Transactions.inSnapshot(
        dataSource,
        c -> {
          List<String[]> due = new ArrayList<>();
          try (PreparedStatement select =
              c.prepareStatement(
                  "SELECT dataset, partition FROM archive.chunk WHERE state = 'ACTIVE'"
                      + " AND dataset = ANY (?) GROUP BY dataset, partition HAVING count(*) > ?"
                      + " ORDER BY random() LIMIT 10")) {
            // In random order, so that a partition that keeps failing cannot starve the others.
            select.setArray(
                1,
                c.createArrayOf(
                    "text",
                    datasets.all().stream()
                        .filter(Compaction::mergeable)
                        .map(DatasetDefinition::name)
                        .toArray()));
            select.setInt(2, config.compactionMinChunks());
            try (ResultSet rs = select.executeQuery()) {
              while (rs.next()) {
                due.add(new String[] {rs.getString(1), rs.getString(2)});
              }
            }
          }
          return due;
        });
  }
}
