package dev.permafrost.exporter.service;

import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.v1.ChunkObject;
import dev.permafrost.contracts.v1.PartitionReady;
import dev.permafrost.exporter.config.ExporterConfig;
import dev.permafrost.exporter.domain.ExportedChunk;
import dev.permafrost.exporter.persistence.ArchiveCatalog;
import dev.permafrost.exporter.persistence.ExportedPartitions;
import dev.permafrost.exporter.persistence.PartitionLeases;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.LifecycleMode;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.PartitionExporter;
import dev.permafrost.format.PgTables;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.messaging.Outbox;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Exports one partition as its first chunk: one snapshot read, objects written once, then the chunk
 * recorded and {@code partition-ready} put in the outbox in one transaction.
 */
@ApplicationScoped
public class PartitionExportService {

  private static final Logger LOG = Logger.getLogger(PartitionExportService.class);

  private final DataSource dataSource;
  private final ExportedPartitions exportedPartitions;
  private final ArchiveCatalog archiveCatalog;
  private final Outbox outbox;
  private final ObjectKeys keys;
  private final PartitionExporter exporter;
  private final Clock clock = Clock.systemUTC();
  private static final Duration LEASE_POLL = Duration.ofMillis(200);

  private final long statementTimeoutMillis;
  private final PartitionLeases leases;
  private final Duration leaseDuration;
  private final ScheduledExecutorService renewals =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "partition-lease-renewal");
            thread.setDaemon(true);
            return thread;
          });

  /** Names this worker in leases, for operators looking at who exports what. */
  private final String holder =
      ProcessHandle.current().pid() + "@" + System.getenv().getOrDefault("HOSTNAME", "localhost");

  private final MeterRegistry metrics;

  public PartitionExportService(
      DataSource dataSource,
      ExportedPartitions exportedPartitions,
      ArchiveCatalog archiveCatalog,
      Outbox outbox,
      ObjectStore store,
      ObjectKeys keys,
      ExporterConfig config,
      PartitionLeases leases,
      MeterRegistry metrics) {
    this.leases = leases;
    this.leaseDuration = config.leaseDuration();
    this.dataSource = dataSource;
    this.exportedPartitions = exportedPartitions;
    this.archiveCatalog = archiveCatalog;
    this.outbox = outbox;
    this.keys = keys;
    this.exporter = new PartitionExporter(store, keys, clock).limitedTo(config.maxRowsPerSecond());
    this.statementTimeoutMillis = config.statementTimeout().toMillis();
    this.metrics = metrics;
  }

  /**
   * Exports the partition of {@code dataset} that starts at {@code partitionStart}: as its first
   * chunk if it has none, else its hot rows as the next chunk once every earlier chunk is ACTIVE
   * (late data; with mode move, the hot rows of such a partition are exactly the rows that came
   * after the last export). Safe to call twice, also at the same time from two replicas.
   */
  public ExportedChunk export(DatasetDefinition dataset, Instant partitionStart)
      throws SQLException {
    return export(dataset, partitionStart, false);
  }

  /**
   * Like {@link #export(DatasetDefinition, Instant)}; with {@code reArchiveRestored}, a partition
   * whose chunks were restored also counts as settled, so that its hot rows (the restored ones and
   * any since) become its next chunk. Only exports asked for over REST and forced Wikimedia imports
   * do that: the schedule and applications' late rows leave a restored partition hot, as whoever
   * restored it wanted.
   */
  public ExportedChunk export(
      DatasetDefinition dataset, Instant partitionStart, boolean reArchiveRestored)
      throws SQLException {
    String partition = dataset.grain().partitionName(partitionStart);
    long epoch = acquireLease(dataset.name(), partition);
    // Renewed while the export runs, so that only a worker that stopped loses its lease.
    long renewEvery = Math.max(leaseDuration.toMillis() / 3, 1);
    ScheduledFuture<?> heartbeat =
        renewals.scheduleAtFixedRate(
            () -> renew(dataset.name(), partition, epoch),
            renewEvery,
            renewEvery,
            TimeUnit.MILLISECONDS);
    try {
      List<ExportedChunk> earlier =
          Transactions.inTransaction(
              dataSource, c -> exportedPartitions.chunks(c, dataset.name(), partition));
      if (!earlier.isEmpty() && !lateRowsCanBeExported(dataset, earlier, reArchiveRestored)) {
        return earlier.get(earlier.size() - 1);
      }
      return writeChunk(dataset, partitionStart, earlier.size() + 1, epoch)
          .orElseGet(() -> earlier.get(earlier.size() - 1));
    } finally {
      heartbeat.cancel(false);
      Transactions.inTransaction(
          dataSource,
          c -> {
            leases.release(c, dataset.name(), partition, epoch);
            return null;
          });
    }
  }

  /** Deleting or writing objects is for the lease holder only: a replaced worker stops here. */
  private void assertStillLeased(String dataset, String partition, long epoch) {
    if (!Transactions.inTransaction(dataSource, c -> leases.holds(c, dataset, partition, epoch))) {
      throw new IllegalStateException(
          "lost the lease of "
              + dataset
              + "/"
              + partition
              + " (epoch "
              + epoch
              + ") to another worker; nothing written");
    }
  }

  private void renew(String dataset, String partition, long epoch) {
    try {
      if (!Transactions.inTransaction(
          dataSource, c -> leases.renew(c, dataset, partition, epoch, leaseDuration))) {
        LOG.warnf(
            "lost the lease of %s/%s (epoch %d); this export will record nothing",
            dataset, partition, epoch);
      }
    } catch (RuntimeException e) {
      LOG.warnf("could not renew the lease of %s/%s: %s", dataset, partition, e.getMessage());
    }
  }

  @PreDestroy
  void stopRenewals() {
    renewals.shutdownNow();
  }

  /**
   * Takes the partition's lease, waiting while another worker holds it (at most one lease duration:
   * by then that worker finished or its lease expired).
   */
  private long acquireLease(String dataset, String partition) {
    long deadline = System.nanoTime() + leaseDuration.toNanos();
    while (true) {
      OptionalLong epoch =
          Transactions.inTransaction(
              dataSource, c -> leases.tryAcquire(c, dataset, partition, holder, leaseDuration));
      if (epoch.isPresent()) {
        return epoch.getAsLong();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "partition " + dataset + "/" + partition + " stayed leased by another worker");
      }
      try {
        Thread.sleep(LEASE_POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a partition lease", e);
      }
    }
  }

  private boolean lateRowsCanBeExported(
      DatasetDefinition dataset, List<ExportedChunk> earlier, boolean restoredIsSettled) {
    if (dataset.mode() != LifecycleMode.MOVE) {
      return false; // offloaded rows stay hot: their late rows need another rule
    }
    // Empty chunks were never announced, so the archive-service has no record of them.
    List<UUID> announced =
        earlier.stream().filter(c -> c.rows() > 0).map(ExportedChunk::chunkId).toList();
    return Transactions.inTransaction(
        dataSource, c -> archiveCatalog.allActive(c, announced, restoredIsSettled));
  }

  /**
   * Writes chunk {@code sequence} from one snapshot of the partition.
   *
   * @return empty if this is a late chunk and the partition has no hot rows
   */
  private Optional<ExportedChunk> writeChunk(
      DatasetDefinition dataset, Instant partitionStart, int sequence, long epoch)
      throws SQLException {
    long begin = System.nanoTime();
    // Not recorded yet (we hold the partition's lease), so whatever an attempt that died left
    // under this chunk's keys is unreferenced and may hold other rows: start clean.
    String partition = dataset.grain().partitionName(partitionStart);
    assertStillLeased(dataset.name(), partition, epoch);
    exporter.discardUnrecorded(dataset, partitionStart, sequence);
    Manifest manifest =
        Transactions.inSnapshot(
            dataSource,
            c -> {
              try (Statement statement = c.createStatement()) {
                statement.execute("SET LOCAL statement_timeout = " + statementTimeoutMillis);
              }
              return exporter.export(
                  c, dataset, PgTables.readSchema(c, dataset.table()), partitionStart, sequence);
            });
    if (sequence > 1 && manifest.rowCount() == 0) {
      return Optional.empty();
    }
    String manifestKey = keys.manifestKey(dataset.name(), manifest.chunkId());
    Transactions.inTransaction(
        dataSource,
        c -> {
          // Fencing: a worker that lost its lease while it worked records nothing.
          if (!leases.holds(c, dataset.name(), manifest.partition(), epoch)) {
            throw new IllegalStateException(
                "lost the lease of "
                    + dataset.name()
                    + "/"
                    + manifest.partition()
                    + " (epoch "
                    + epoch
                    + ") to another worker; nothing recorded");
          }
          if (exportedPartitions.record(c, manifest, manifestKey) && manifest.rowCount() > 0) {
            outbox.append(c, partitionReady(manifest, manifestKey));
          }
          return null;
        });
    long bytes = manifest.objects().stream().mapToLong(Manifest.StoredObject::bytes).sum();
    metrics
        .counter("permafrost.export.rows", "dataset", dataset.name())
        .increment(manifest.rowCount());
    metrics.counter("permafrost.export.bytes", "dataset", dataset.name()).increment(bytes);
    metrics
        .timer("permafrost.export.duration", "dataset", dataset.name())
        .record(System.nanoTime() - begin, java.util.concurrent.TimeUnit.NANOSECONDS);
    LOG.infof(
        "exported %s/%s chunk %d (%s): %d rows, %d bytes in %d ms",
        dataset.name(),
        manifest.partition(),
        sequence,
        manifest.chunkId(),
        manifest.rowCount(),
        bytes,
        (System.nanoTime() - begin) / 1_000_000);
    return Optional.of(
        new ExportedChunk(
            dataset.name(),
            manifest.partition(),
            sequence,
            manifest.chunkId(),
            manifest.rowCount(),
            bytes,
            manifest.rowDigest(),
            false));
  }

  private EventEnvelope<PartitionReady> partitionReady(Manifest manifest, String manifestKey) {
    return EventEnvelope.of(
        manifest.dataset() + "/" + manifest.partition(),
        clock.instant(),
        new PartitionReady(
            manifest.chunkId(),
            manifest.dataset(),
            manifest.partition(),
            manifest.partitionStart(),
            manifest.partitionEnd(),
            manifest.sequence(),
            manifestKey,
            manifest.objects().stream()
                .map(o -> new ChunkObject(o.key(), o.bytes(), o.sha256(), o.rows(), o.tenant()))
                .toList(),
            manifest.rowCount(),
            manifest.rowDigest()));
  }
}
