package dev.permafrost.archive.service;

import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.archive.persistence.AuditLog;
import dev.permafrost.archive.persistence.Catalog;
import dev.permafrost.archive.persistence.HotRows;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.v1.PartitionArchived;
import dev.permafrost.contracts.v1.PartitionReady;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.LifecycleMode;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.TableSchema;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.messaging.Inbox;
import dev.permafrost.support.messaging.Outbox;
import dev.permafrost.support.rest.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Drives a chunk from EXPORTED through VERIFIED to ACTIVE. Each step re-reads the catalog and acts
 * on the state it finds, so running it twice, or again after a crash at any line, ends the same.
 */
@ApplicationScoped
public class ArchiveLifecycle {

  /** The inbox name under which partition-ready events are deduplicated. */
  public static final String PARTITION_READY_CONSUMER = "archive.partition-ready";

  private static final Logger LOG = Logger.getLogger(ArchiveLifecycle.class);
  private static final int MAX_STEPS = 3;

  private final DataSource dataSource;
  private final Catalog catalog;
  private final AuditLog audit;
  private final HotRows hotRows;
  private final ChunkVerifier verifier;
  private final Inbox inbox;
  private final Outbox outbox;
  private final Datasets datasets;
  private final Failpoints failpoints;
  private final MeterRegistry metrics;
  private final TenantPurge tenantPurge;
  private final OperationMetrics operations;
  private final Path workDir;
  private final Clock clock = Clock.systemUTC();

  public ArchiveLifecycle(
      DataSource dataSource,
      Catalog catalog,
      AuditLog audit,
      HotRows hotRows,
      ChunkVerifier verifier,
      Inbox inbox,
      Outbox outbox,
      Datasets datasets,
      Failpoints failpoints,
      dev.permafrost.archive.config.ArchiveConfig config,
      MeterRegistry metrics,
      TenantPurge tenantPurge,
      OperationMetrics operations) {
    this.dataSource = dataSource;
    this.catalog = catalog;
    this.audit = audit;
    this.hotRows = hotRows;
    this.verifier = verifier;
    this.inbox = inbox;
    this.outbox = outbox;
    this.datasets = datasets;
    this.failpoints = failpoints;
    this.metrics = metrics;
    this.tenantPurge = tenantPurge;
    this.operations = operations;
    this.workDir = config.workDir();
  }

  /**
   * Registers the announced chunk and drives it as far as it goes.
   *
   * @return the chunk's state afterwards
   */
  public ChunkState onPartitionReady(EventEnvelope<PartitionReady> event) {
    if (register(event)) {
      return drive(event.payload().chunkId(), Optional.of(event.eventId()));
    }
    return state(event.payload().chunkId());
  }

  /**
   * Records the announced chunk in the catalog, in state EXPORTED, unless the event was handled
   * before. From then on the reconciler can finish the chunk even if the event is lost.
   *
   * @return false if the event was handled before and nothing is left to do for it
   * @throws ProblemException if the dataset is not configured here (permanent)
   */
  public boolean register(EventEnvelope<PartitionReady> event) {
    PartitionReady ready = event.payload();
    datasets.find(ready.dataset());
    return Transactions.inTransaction(
        dataSource,
        c -> {
          if (inbox.alreadyProcessed(c, PARTITION_READY_CONSUMER, event.eventId())) {
            LOG.debugf("partition-ready %s was handled before", event.eventId());
            return false;
          }
          catalog.register(c, ready);
          return true;
        });
  }

  /**
   * Takes the chunk through its next steps.
   *
   * @param eventId the event that asked for it, recorded as processed with the final step
   */
  public ChunkState drive(UUID chunkId, Optional<UUID> eventId) {
    for (int step = 0; step < MAX_STEPS; step++) {
      Chunk chunk =
          Transactions.inTransaction(dataSource, c -> catalog.find(c, chunkId))
              .orElseThrow(
                  () -> new IllegalArgumentException("no chunk " + chunkId + " in the catalog"));
      switch (chunk.state()) {
        case EXPORTED -> verify(chunk, eventId);
        case VERIFIED -> {
          Optional<UUID> replacement = tenantPurge.eraseLateArrival(chunk);
          if (replacement.isPresent()) {
            // It held rows of a tenant erased since its export: its replacement goes on instead.
            eventId.ifPresent(this::markProcessed);
            return drive(replacement.get(), Optional.empty());
          }
          if (!datasets.prunePolicy(chunk.dataset()).allows(chunk.stateChangedAt(), clock.instant())
              || !prune(chunk, eventId)) {
            eventId.ifPresent(this::markProcessed);
            return ChunkState.VERIFIED; // the reconciler prunes it once it is due
          }
        }
        default -> {
          eventId.ifPresent(this::markProcessed);
          return chunk.state();
        }
      }
    }
    return state(chunkId);
  }

  private void verify(Chunk chunk, Optional<UUID> eventId) {
    long started = System.nanoTime();
    ReadBack readBack = verifier.readBack(chunk);
    failpoints.reached(Failpoints.VERIFY_BEFORE_COMMIT);
    Transactions.inTransaction(
        dataSource,
        c -> {
          if (verifier.record(c, chunk, readBack).state() == ChunkState.CORRUPT
              && eventId.isPresent()) {
            inbox.markProcessed(c, PARTITION_READY_CONSUMER, eventId.get());
          }
          return null;
        });
    if (readBack.intact()) {
      operations.record("verify", readBack.rows(), System.nanoTime() - started);
    }
  }

  /**
   * Deletes the chunk's hot rows and makes it ACTIVE in one transaction that re-read the chunk and
   * matched the deleted rows against it.
   *
   * @return false if the prune was refused and the chunk stays VERIFIED
   */
  private boolean prune(Chunk verified, Optional<UUID> eventId) {
    DatasetDefinition dataset = datasets.find(verified.dataset());
    Path keysFile = workDir.resolve("prune-keys-" + verified.chunkId() + "-" + UUID.randomUUID());
    long started = System.nanoTime();
    try {
      Long pruned =
          Transactions.inTransaction(
              dataSource,
              c -> {
                Optional<Chunk> locked = catalog.lock(c, verified.chunkId());
                if (locked.isEmpty() || locked.get().state() != ChunkState.VERIFIED) {
                  return null; // another worker moved it on while we waited for the lock
                }
                Chunk chunk = locked.get();
                ReadBack readBack = verifier.readBack(chunk, dataset.primaryKey(), keysFile);
                if (!readBack.intact()) {
                  verifier.record(c, chunk, readBack);
                  if (eventId.isPresent()) {
                    inbox.markProcessed(c, PARTITION_READY_CONSUMER, eventId.get());
                  }
                  return null;
                }
                failpoints.reached(Failpoints.PRUNE_AFTER_READ_BACK);
                return deleteAndActivate(c, dataset, chunk, readBack, keysFile, eventId);
              });
      if (pruned != null) {
        operations.record("prune", pruned, System.nanoTime() - started);
      }
      return true;
    } catch (PruneRefusedException e) {
      LOG.errorf(
          "prune of chunk %s refused, hot rows kept: %s", verified.chunkId(), e.getMessage());
      recordError(verified.chunkId(), e.getMessage());
      metrics.counter("permafrost.archive.failures", "operation", "prune").increment();
      return false;
    } finally {
      deleteQuietly(keysFile);
    }
  }

  /**
   * @return the rows pruned
   */
  private long deleteAndActivate(
      Connection c,
      DatasetDefinition dataset,
      Chunk chunk,
      ReadBack readBack,
      Path keysFile,
      Optional<UUID> eventId)
      throws Exception {
    TableSchema hotSchema = PgTables.readSchema(c, dataset.table());
    if (!hotSchema.equals(readBack.schema())) {
      throw new PruneRefusedException(
          "table "
              + dataset.table()
              + " has columns "
              + hotSchema.columns()
              + " but the chunk "
              + readBack.schema().columns());
    }
    HotRows.Deleted deleted;
    if (dataset.mode() == LifecycleMode.OFFLOAD) {
      if (!hotSchema.columnNames().contains(DatasetDefinition.ARCHIVE_POINTER_COLUMN)) {
        throw new PruneRefusedException(
            "offload dataset "
                + dataset.name()
                + " needs a uuid column "
                + DatasetDefinition.ARCHIVE_POINTER_COLUMN
                + " in "
                + dataset.table()
                + " to point at the chunk holding a row's payload");
      }
      deleted = hotRows.offloadChunkRows(c, dataset, hotSchema, chunk, keysFile);
    } else {
      deleted = hotRows.deleteChunkRows(c, dataset, hotSchema, chunk, keysFile);
    }
    if (deleted.rows() != chunk.rowCount() || !deleted.rowDigest().equals(chunk.rowDigest())) {
      // Throwing rolls the delete back: the hot rows differ from what was exported.
      throw new PruneRefusedException(
          "hot rows of "
              + chunk.dataset()
              + "/"
              + chunk.partition()
              + " are "
              + deleted.rows()
              + " / "
              + deleted.rowDigest()
              + " but the chunk holds "
              + chunk.rowCount()
              + " / "
              + chunk.rowDigest()
              + "; they changed after the export");
    }
    failpoints.reached(Failpoints.PRUNE_BEFORE_COMMIT);
    if (!catalog.transition(c, chunk, ChunkState.ACTIVE, null)) {
      throw new IllegalStateException("chunk " + chunk.chunkId() + " changed under its row lock");
    }
    audit.record(c, AuditLog.Action.PRUNED, chunk, deleted.rows(), deleted.rowDigest(), null);
    outbox.append(
        c,
        EventEnvelope.of(
            chunk.dataset() + "/" + chunk.partition(),
            clock.instant(),
            new PartitionArchived(
                chunk.chunkId(),
                chunk.dataset(),
                chunk.partition(),
                deleted.rows(),
                deleted.rowDigest())));
    if (eventId.isPresent()) {
      inbox.markProcessed(c, PARTITION_READY_CONSUMER, eventId.get());
    }
    LOG.infof(
        "archived %s/%s chunk %s: %d hot rows pruned",
        chunk.dataset(), chunk.partition(), chunk.chunkId(), deleted.rows());
    return deleted.rows();
  }

  private ChunkState state(UUID chunkId) {
    return Transactions.inTransaction(dataSource, c -> catalog.find(c, chunkId))
        .map(Chunk::state)
        .orElseThrow(() -> new IllegalArgumentException("no chunk " + chunkId + " in the catalog"));
  }

  private void markProcessed(UUID eventId) {
    Transactions.inTransaction(
        dataSource, c -> inbox.markProcessed(c, PARTITION_READY_CONSUMER, eventId));
  }

  private void recordError(UUID chunkId, String error) {
    Transactions.inTransaction(
        dataSource,
        c -> {
          catalog.recordError(c, chunkId, error);
          return null;
        });
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (java.io.IOException e) {
      LOG.warnf("could not delete %s: %s", file, e.getMessage());
    }
  }
}
