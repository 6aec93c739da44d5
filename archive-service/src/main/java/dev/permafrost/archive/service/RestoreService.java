package dev.permafrost.archive.service;

import dev.permafrost.archive.config.ArchiveConfig;
import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.archive.domain.RestoreStatus;
import dev.permafrost.archive.persistence.AuditLog;
import dev.permafrost.archive.persistence.Catalog;
import dev.permafrost.archive.persistence.Erasures;
import dev.permafrost.archive.persistence.HotRows;
import dev.permafrost.archive.persistence.PartitionLocks;
import dev.permafrost.archive.persistence.RestoreRequests;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.v1.PartitionRestored;
import dev.permafrost.contracts.v1.RestoreRequested;
import dev.permafrost.format.CopyText;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.LifecycleMode;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.RowDigest;
import dev.permafrost.format.TableSchema;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.messaging.Outbox;
import dev.permafrost.support.rest.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * Brings archived partitions back into PostgreSQL. Each chunk is restored in one transaction that
 * copies its rows from the object store into the table, checks that the partition's hot rows grew
 * by exactly the chunk's count and digest, and marks the chunk RESTORED, so that every row is in
 * exactly one tier at every commit. A request for one tenant rewrites each chunk without the
 * tenant's rows first, then copies those rows back and swaps the rewritten chunk in, in one
 * transaction. A request records which chunks it covers; its progress moves in the same
 * transactions, and a request left RUNNING by a crash is resumed where it stopped.
 */
@ApplicationScoped
public class RestoreService {

  private static final Logger LOG = Logger.getLogger(RestoreService.class);
  private static final int COPY_BUFFER_BYTES = 1 << 20;

  private final DataSource dataSource;
  private final Catalog catalog;
  private final RestoreRequests requests;
  private final HotRows hotRows;
  private final AuditLog audit;
  private final Outbox outbox;
  private final Datasets datasets;
  private final ChunkVerifier verifier;
  private final Failpoints failpoints;
  private final MeterRegistry metrics;
  private final OperationMetrics operations;
  private final PartitionLocks locks;
  private final ReplacementChunks replacements;
  private final Erasures erasures;
  private final Duration replacedGrace;
  private final Clock clock = Clock.systemUTC();
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "restore-worker"));
  private final ExecutorService chunkWorkers;
  private final Set<UUID> inProgress = ConcurrentHashMap.newKeySet();

  public RestoreService(
      DataSource dataSource,
      Catalog catalog,
      RestoreRequests requests,
      HotRows hotRows,
      AuditLog audit,
      Outbox outbox,
      Datasets datasets,
      ChunkVerifier verifier,
      Failpoints failpoints,
      MeterRegistry metrics,
      OperationMetrics operations,
      PartitionLocks locks,
      ReplacementChunks replacements,
      Erasures erasures,
      ArchiveConfig config) {
    this.dataSource = dataSource;
    this.catalog = catalog;
    this.requests = requests;
    this.hotRows = hotRows;
    this.audit = audit;
    this.outbox = outbox;
    this.datasets = datasets;
    this.verifier = verifier;
    this.failpoints = failpoints;
    this.metrics = metrics;
    this.operations = operations;
    this.locks = locks;
    this.replacements = replacements;
    this.erasures = erasures;
    this.replacedGrace = config.compactionGrace();
    this.chunkWorkers =
        Executors.newFixedThreadPool(
            config.restoreConcurrency(), r -> new Thread(r, "restore-chunk-worker"));
  }

  /**
   * Records a request for the ACTIVE chunks of its range and starts it in the background. Asking
   * again with the same request id returns the recorded request and starts nothing new.
   *
   * @throws ProblemException 400 for a dataset not configured, or a tenant the dataset cannot have;
   *     409 when no chunk of the range is archived or the tenant was erased, in which case nothing
   *     is recorded
   */
  public RestoreStatus request(RestoreRequested request) {
    Optional<RestoreStatus> existing = status(request.requestId());
    if (existing.isPresent()) {
      return existing.get();
    }
    Plan plan = plan(request);
    Transactions.inTransaction(
        dataSource,
        c -> requests.create(c, request, plan.tenant(), plan.chunkIds(), /* error= */ null));
    start(request.requestId());
    return status(request.requestId()).orElseThrow();
  }

  /**
   * Handles a {@code restore-requested} event: like {@link #request}, but a request that cannot run
   * is recorded as FAILED with the reason, for whoever sent it to look up.
   */
  public RestoreStatus onRestoreRequested(RestoreRequested request) {
    try {
      return request(request);
    } catch (ProblemException e) {
      Transactions.inTransaction(
          dataSource,
          c -> requests.create(c, request, request.tenant(), List.of(), e.getMessage()));
      LOG.warnf("restore-requested %s refused: %s", request.requestId(), e.getMessage());
      return status(request.requestId()).orElseThrow();
    }
  }

  public Optional<RestoreStatus> status(UUID requestId) {
    return Transactions.inSnapshot(dataSource, c -> requests.find(c, requestId));
  }

  public List<RestoreStatus> recent() {
    return Transactions.inSnapshot(dataSource, requests::recent);
  }

  /** Starts again every request left RUNNING, e.g. by a crash; the reconciler calls this. */
  public void resumeRunning() {
    Transactions.inSnapshot(dataSource, requests::running).forEach(this::start);
  }

  /**
   * Restores the request's remaining chunks in the calling thread, and ends the request.
   *
   * @return the request afterwards
   */
  public RestoreStatus run(UUID requestId) {
    try {
      String tenant = status(requestId).orElseThrow().tenant();
      List<UUID> pending;
      // Again until none is left: a replaced chunk adds its replacement to the request.
      while (!(pending =
              Transactions.inSnapshot(dataSource, c -> requests.pendingChunks(c, requestId)))
          .isEmpty()) {
        restoreAll(requestId, tenant, pending);
      }
      Transactions.inTransaction(
          dataSource,
          c -> {
            requests.finish(c, requestId, null);
            return null;
          });
    } catch (RestoreRefusedException e) {
      LOG.errorf(
          "restore %s failed, nothing of the failed chunk restored: %s", requestId, e.getMessage());
      metrics.counter("permafrost.archive.failures", "operation", "restore").increment();
      if (e.damagedChunk() != null) {
        recordDamage(e.damagedChunk(), e.damage());
      }
      Transactions.inTransaction(
          dataSource,
          c -> {
            requests.finish(c, requestId, e.getMessage());
            return null;
          });
    }
    return status(requestId).orElseThrow();
  }

  /**
   * Restores the chunks side by side, each in its own transaction, and waits for all; then rethrows
   * the first failure, so that the others are not cut off half way.
   */
  private void restoreAll(UUID requestId, String tenant, List<UUID> chunkIds) {
    List<Future<?>> restores =
        chunkIds.stream()
            .<Future<?>>map(
                chunkId -> chunkWorkers.submit(() -> restoreChunk(requestId, chunkId, tenant)))
            .toList();
    RuntimeException failure = null;
    for (Future<?> restore : restores) {
      try {
        restore.get();
      } catch (ExecutionException e) {
        if (failure == null) {
          failure =
              e.getCause() instanceof RuntimeException cause
                  ? cause
                  : new IllegalStateException(e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while restoring " + requestId, e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void start(UUID requestId) {
    if (!inProgress.add(requestId)) {
      return; // already queued or running in this process
    }
    worker.submit(
        () -> {
          try {
            run(requestId);
          } catch (RuntimeException e) {
            if (dataError(e)) {
              // PostgreSQL refused the rows themselves (a key restored twice, a value out of
              // range): no retry can succeed, so the request fails with the reason.
              LOG.errorf(e, "restore %s failed", requestId);
              Transactions.inTransaction(
                  dataSource,
                  c -> {
                    requests.finish(c, requestId, rootMessage(e));
                    return null;
                  });
              return;
            }
            // An outage or a crash-like failure: the request stays RUNNING for the reconciler.
            LOG.errorf(e, "restore %s interrupted; it will be resumed", requestId);
          } finally {
            inProgress.remove(requestId);
          }
        });
  }

  /** Whether PostgreSQL refused data: SQLSTATE class 22 (data) or 23 (integrity). */
  private static boolean dataError(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql
          && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }

  /** What a request restores: the tenant as its column spells it, and the chunks it covers. */
  private record Plan(String tenant, List<UUID> chunkIds) {}

  private Plan plan(RestoreRequested request) {
    DatasetDefinition dataset = datasets.requireInRequest(request.dataset());
    if (!request.from().isBefore(request.to())) {
      throw ProblemException.badRequest(
          "from (" + request.from() + ") must be before to (" + request.to() + ")");
    }
    String tenant = request.tenant() == null ? null : tenant(dataset, request.tenant());
    List<Chunk> chunks =
        Transactions.inSnapshot(
            dataSource, c -> catalog.byDataset(c, dataset.name(), request.from(), request.to()));
    List<UUID> active =
        chunks.stream()
            .filter(chunk -> chunk.state() == ChunkState.ACTIVE)
            .map(Chunk::chunkId)
            .toList();
    if (active.isEmpty()) {
      throw ProblemException.conflict(
          "nothing of "
              + dataset.name()
              + " in ["
              + request.from()
              + ", "
              + request.to()
              + ") is archived: "
              + (chunks.isEmpty()
                  ? "it has no chunks"
                  : "its chunks are "
                      + chunks.stream().map(c -> c.partition() + " " + c.state()).toList())
              + "; only ACTIVE chunks can be restored");
    }
    return new Plan(tenant, active);
  }

  /**
   * The tenant of a one-tenant restore, as the dataset's tenant column spells it.
   *
   * @throws ProblemException 400 if the dataset has no tenant column or the value is none of its
   *     type; 409 if the tenant was erased
   */
  private String tenant(DatasetDefinition dataset, String requested) {
    if (dataset.tenantColumn().isEmpty()) {
      throw ProblemException.badRequest(
          "dataset "
              + dataset.name()
              + " has no tenant column, so its chunks are restored whole; omit tenant");
    }
    return Transactions.inSnapshot(
        dataSource,
        c -> {
          String tenant = hotRows.canonicalTenant(c, dataset, requested);
          if (erasures.purgedTenants(c, dataset.name()).contains(tenant)) {
            throw ProblemException.conflict(
                "tenant "
                    + tenant
                    + " of "
                    + dataset.name()
                    + " was erased; there is nothing of it to restore");
          }
          return tenant;
        });
  }

  private void restoreChunk(UUID requestId, UUID chunkId, String tenant) {
    if (settledWithoutRestore(requestId, chunkId)) {
      return;
    }
    if (tenant == null) {
      restore(requestId, chunkId, null);
    } else {
      restoreTenant(requestId, chunkId, tenant);
    }
  }

  /**
   * The rows of one tenant in a chunk, and the chunk that holds the others once they are hot.
   *
   * @param chunk the chunk as it was read for the rewrite; the restore's transaction refuses to run
   *     if it has moved on since
   */
  private record TenantPart(String tenant, Chunk chunk, ReplacementChunks.Without without) {}

  /**
   * Restores one tenant's rows of a chunk, while the other tenants' rows stay cold: the chunk is
   * first rewritten without them, and then one transaction copies the tenant's rows into the table
   * and swaps the rewritten chunk in. A chunk holding nothing else is restored whole.
   */
  private void restoreTenant(UUID requestId, UUID chunkId, String tenant) {
    Chunk chunk = Transactions.inSnapshot(dataSource, c -> catalog.find(c, chunkId)).orElseThrow();
    PartitionLocks.Held lock = locks.lockOrFail(chunk.dataset(), chunk.partition());
    try (lock) {
      Chunk current =
          Transactions.inSnapshot(dataSource, c -> catalog.find(c, chunkId)).orElseThrow();
      if (current.state() != ChunkState.ACTIVE) {
        return; // moved on since the check: the next pass settles it
      }
      UUID replacementId =
          UUID.nameUUIDFromBytes(
              (chunkId + "/restored-without/" + tenant).getBytes(StandardCharsets.UTF_8));
      Optional<ReplacementChunks.Without> without =
          replacements.without(
              current, datasets.find(current.dataset()), Set.of(tenant), replacementId);
      if (without.isEmpty()) {
        Transactions.inTransaction(
            dataSource,
            c -> {
              requests.chunkDone(c, requestId, chunkId, 0);
              return null;
            });
      } else if (without.get().replacement() == null) {
        restore(requestId, chunkId, null); // every row is the tenant's
      } else {
        restore(requestId, chunkId, new TenantPart(tenant, current, without.get()));
      }
    } catch (ObjectStore.DamagedObjectException e) {
      // No retry reads other bytes: the request fails, and a verification of the chunk records
      // the damage.
      throw new RestoreRefusedException(
          "chunk "
              + chunkId
              + " cannot be restored, its cold copy is damaged: "
              + e.getMessage()
              + "; nothing restored");
    } catch (IOException e) {
      throw new UncheckedIOException("restoring tenant " + tenant + " of chunk " + chunkId, e);
    }
  }

  /**
   * Restores the chunk, or only its tenant's rows when {@code part} is given, in one transaction.
   */
  private void restore(UUID requestId, UUID chunkId, TenantPart part) {
    long started = System.nanoTime();
    Long restored =
        Transactions.inWritableSnapshot(
            dataSource,
            c -> {
              Chunk chunk = catalog.lock(c, chunkId).orElseThrow();
              if (chunk.state() != ChunkState.ACTIVE) {
                return (Long) null; // moved on since the check: the next pass settles it
              }
              if (part != null && chunk.leaseEpoch() != part.chunk().leaseEpoch()) {
                throw new IllegalStateException(
                    "chunk " + chunkId + " changed while it was rewritten; the restore is resumed");
              }
              DatasetDefinition dataset = datasets.find(chunk.dataset());
              if (part != null) {
                // An erasure of the tenant that overlaps this transaction makes one of the two
                // fail on the guard row; one committed before it shows here.
                erasures.guard(c, dataset.name(), part.tenant());
                if (erasures.purgedTenants(c, dataset.name()).contains(part.tenant())) {
                  throw new RestoreRefusedException(
                      "tenant "
                          + part.tenant()
                          + " of "
                          + dataset.name()
                          + " was erased after the restore was asked for; nothing restored");
                }
              }
              boolean offload = dataset.mode() == LifecycleMode.OFFLOAD;
              TableSchema schema = PgTables.readSchema(c, dataset.table());
              RowDigest before =
                  offload
                      ? new RowDigest(schema)
                      : hotRows.digestPartition(c, dataset, schema, chunk);
              String copyTarget = HotRows.copyInto(dataset, schema);
              if (offload) {
                copyTarget = hotRows.stageOffloadedRows(c, dataset, schema);
              }
              ReadBack readBack =
                  copyInto(
                      c, copyTarget, dataset, schema, chunk, part == null ? null : part.tenant());
              if (!readBack.intact()) {
                throw new RestoreRefusedException(
                    "chunk "
                        + chunk.chunkId()
                        + " cannot be restored, its cold copy is damaged: "
                        + String.join("; ", readBack.problems()),
                    chunk,
                    readBack);
              }
              failpoints.reached(Failpoints.RESTORE_AFTER_COPY);
              // Move: the partition grew by the chunk (the tenant's rows of it). Offload: the rows
              // pointing at the chunk got their payload back and are whole again, as exported.
              RowDigest added =
                  offload
                      ? hotRows.putBackOffloaded(c, dataset, schema, chunk)
                      : hotRows.digestPartition(c, dataset, schema, chunk);
              added.subtract(before);
              long expectedRows =
                  part == null ? chunk.rowCount() : part.without().removed().count();
              String expectedDigest =
                  part == null ? chunk.rowDigest() : part.without().removed().hex();
              if (added.count() != expectedRows || !added.hex().equals(expectedDigest)) {
                throw new RestoreRefusedException(
                    "restoring chunk "
                        + chunk.chunkId()
                        + " added "
                        + added.count()
                        + " rows / "
                        + added.hex()
                        + " but the chunk holds "
                        + expectedRows
                        + " / "
                        + expectedDigest
                        + (part == null ? "" : " of tenant " + part.tenant()));
              }
              failpoints.reached(Failpoints.RESTORE_BEFORE_COMMIT);
              if (part == null) {
                settleRestored(c, chunk);
              } else {
                swapInRemainder(c, dataset, chunk, part);
              }
              audit.record(
                  c,
                  AuditLog.Action.RESTORED,
                  chunk,
                  added.count(),
                  added.hex(),
                  part == null
                      ? null
                      : "rows of tenant "
                          + part.tenant()
                          + "; the others are in "
                          + part.without().replacement().chunkId());
              requests.chunkDone(c, requestId, chunkId, added.count());
              outbox.append(
                  c,
                  EventEnvelope.of(
                      chunk.dataset() + "/" + chunk.partition(),
                      clock.instant(),
                      new PartitionRestored(
                          List.of(chunkId), chunk.dataset(), chunk.partition(), added.count())));
              LOG.infof(
                  "restored %s/%s chunk %s: %d rows back in %s",
                  chunk.dataset(), chunk.partition(), chunkId, added.count(), dataset.table());
              return added.count();
            });
    if (restored != null) {
      operations.record("restore", restored, System.nanoTime() - started);
    }
  }

  private void settleRestored(Connection c, Chunk chunk) throws SQLException {
    if (!catalog.transition(c, chunk, ChunkState.RESTORED, null)) {
      throw new IllegalStateException("chunk " + chunk.chunkId() + " changed under its row lock");
    }
  }

  /**
   * Replaces a chunk whose tenant's rows were just restored by the chunk of the other rows, which
   * queries read from now on. The old objects stay for the compaction grace, as queries that read
   * the chunk before may still be reading them.
   */
  private void swapInRemainder(
      Connection c, DatasetDefinition dataset, Chunk chunk, TenantPart part) throws SQLException {
    Chunk remainder = part.without().replacement();
    if (!catalog.transition(c, chunk, ChunkState.SUPERSEDED, null)) {
      throw new IllegalStateException("chunk " + chunk.chunkId() + " changed under its row lock");
    }
    catalog.insertReplacement(c, chunk, remainder, ChunkState.ACTIVE);
    if (dataset.mode() == LifecycleMode.OFFLOAD) {
      hotRows.repoint(c, dataset, chunk.chunkId(), remainder.chunkId());
    }
    erasures.doom(c, part.without().replacedObjects(), clock.instant().plus(replacedGrace));
  }

  /**
   * Marks the chunk done if there is nothing to restore: restored by an earlier attempt or another
   * request, or erased. A chunk replaced by a compaction or an erasure hands its place in the
   * request to its replacement, which holds its rows now. At READ COMMITTED, because chunks
   * restored side by side may add the same replacement.
   *
   * @return false if the chunk is ACTIVE and is to be restored
   */
  private boolean settledWithoutRestore(UUID requestId, UUID chunkId) {
    return Transactions.inTransaction(
        dataSource,
        c -> {
          Chunk chunk = catalog.find(c, chunkId).orElseThrow();
          if (chunk.state() == ChunkState.ACTIVE) {
            return false;
          }
          if (chunk.state() == ChunkState.SUPERSEDED) {
            Optional<UUID> replacement = catalog.replacedBy(c, chunkId);
            if (replacement.isPresent()) {
              requests.addChunk(c, requestId, replacement.get());
            }
          }
          requests.chunkDone(c, requestId, chunkId, 0);
          return true;
        });
  }

  /**
   * Streams the chunk's rows from the store with {@code copyStatement}, inside {@code c}: all of
   * them, or those of {@code tenant} when it is not null.
   */
  private ReadBack copyInto(
      Connection c,
      String copyStatement,
      DatasetDefinition dataset,
      TableSchema hotSchema,
      Chunk chunk,
      String tenant) {
    return verifier.readBack(
        chunk,
        schema -> {
          if (!schema.equals(hotSchema)) {
            throw new RestoreRefusedException(
                "table "
                    + dataset.table()
                    + " has columns "
                    + hotSchema.columns()
                    + " but the chunk "
                    + schema.columns());
          }
          OutputStream copy;
          try {
            copy =
                new PGCopyOutputStream(
                    c.unwrap(PGConnection.class), copyStatement, COPY_BUFFER_BYTES);
          } catch (SQLException e) {
            throw new IOException("could not start copying into " + dataset.table(), e);
          }
          Writer text =
              new BufferedWriter(new OutputStreamWriter(copy, StandardCharsets.UTF_8), 1 << 16);
          StringBuilder line = new StringBuilder();
          int tenantIndex =
              tenant == null ? -1 : schema.indexOf(dataset.tenantColumn().orElseThrow());
          return new ColdCopyReader.RowSink() {
            @Override
            public void accept(Object[] row) throws IOException {
              if (tenantIndex >= 0
                  && (row[tenantIndex] == null || !tenant.equals(row[tenantIndex].toString()))) {
                return; // another tenant's row: it stays cold
              }
              line.setLength(0);
              CopyText.appendRow(line, schema, row);
              text.append(line);
            }

            @Override
            public void close() throws IOException {
              text.close(); // ends the COPY
            }
          };
        });
  }

  private void recordDamage(Chunk chunk, ReadBack readBack) {
    try {
      Transactions.inTransaction(dataSource, c -> verifier.record(c, chunk, readBack));
    } catch (RuntimeException e) {
      LOG.warnf("could not record the damage to chunk %s: %s", chunk.chunkId(), e.getMessage());
    }
  }

  @PreDestroy
  void stop() {
    worker.shutdownNow();
    chunkWorkers.shutdownNow();
  }
}
