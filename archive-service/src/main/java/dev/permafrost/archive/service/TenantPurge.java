package dev.permafrost.archive.service;

import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.archive.domain.Erasure;
import dev.permafrost.archive.domain.PurgePlan;
import dev.permafrost.archive.persistence.AuditLog;
import dev.permafrost.archive.persistence.Catalog;
import dev.permafrost.archive.persistence.Erasures;
import dev.permafrost.archive.persistence.HotRows;
import dev.permafrost.archive.persistence.PartitionLocks;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.v1.TenantPurgeRequested;
import dev.permafrost.contracts.v1.TenantPurged;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.LifecycleMode;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.RowDigest;
import dev.permafrost.format.TableSchema;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.messaging.Outbox;
import dev.permafrost.support.rest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Erases a tenant from both tiers of every dataset with a tenant column. Hot rows are deleted in
 * one transaction that also records the tenant as erased; each chunk holding the tenant's rows is
 * rewritten without them (a chunk split per tenant just loses the tenant's objects), the
 * replacement is verified, and replacement and replaced chunk are swapped in one transaction. Every
 * step is idempotent, so a retried or replayed erasure ends in the same state and its record counts
 * every row once.
 */
@ApplicationScoped
public class TenantPurge {

  private static final Logger LOG = Logger.getLogger(TenantPurge.class);
  private static final Set<ChunkState> HOLDING_ROWS =
      EnumSet.of(ChunkState.EXPORTED, ChunkState.VERIFIED, ChunkState.ACTIVE);

  private final DataSource dataSource;
  private final Catalog catalog;
  private final Erasures erasures;
  private final AuditLog audit;
  private final Outbox outbox;
  private final Datasets datasets;
  private final ObjectStore store;
  private final ObjectKeys keys;
  private final Failpoints failpoints;
  private final PartitionLocks locks;
  private final ReplacementChunks replacements;
  private final HotRows hotRows;
  private final Clock clock = Clock.systemUTC();

  public TenantPurge(
      DataSource dataSource,
      Catalog catalog,
      Erasures erasures,
      AuditLog audit,
      Outbox outbox,
      Datasets datasets,
      ObjectStore store,
      ObjectKeys keys,
      Failpoints failpoints,
      PartitionLocks locks,
      ReplacementChunks replacements,
      HotRows hotRows) {
    this.dataSource = dataSource;
    this.catalog = catalog;
    this.erasures = erasures;
    this.audit = audit;
    this.outbox = outbox;
    this.datasets = datasets;
    this.store = store;
    this.keys = keys;
    this.failpoints = failpoints;
    this.locks = locks;
    this.replacements = replacements;
    this.hotRows = hotRows;
  }

  /**
   * Erases the tenant and returns the erasure's record. Running a finished erasure again returns
   * its record; running an interrupted one again finishes it.
   *
   * @throws ProblemException 400 for a dataset that is not configured or has no tenant column
   */
  public Erasure purge(TenantPurgeRequested request) {
    List<DatasetDefinition> targets = targets(request.tenant(), request.dataset());
    Optional<Erasure> recorded = find(request.erasureId());
    if (recorded.isPresent() && recorded.get().finishedAt() != null) {
      return recorded.get();
    }
    // The tenant as each table spells it (a uuid in lower case, a number without leading zeros),
    // so that hot rows, tombstone and chunk rows are matched alike; a bad value changes nothing.
    Map<String, String> tenants = new TreeMap<>();
    for (DatasetDefinition dataset : targets) {
      tenants.put(
          dataset.name(),
          Transactions.inSnapshot(
              dataSource, c -> hotRows.canonicalTenant(c, dataset, request.tenant())));
    }
    Transactions.inTransaction(dataSource, c -> erasures.create(c, request));
    for (DatasetDefinition dataset : targets) {
      String tenant = tenants.get(dataset.name());
      deleteHotRows(request, dataset, tenant);
      List<Chunk> chunks =
          Transactions.inSnapshot(dataSource, c -> catalog.byDataset(c, dataset.name()));
      for (Chunk chunk : chunks) {
        if (chunk.state() == ChunkState.CORRUPT) {
          purgeCorrupt(chunk, request.erasureId());
        } else if (HOLDING_ROWS.contains(chunk.state())) {
          rewriteWithout(chunk, Set.of(tenant), request.erasureId());
        }
      }
      // Again: a chunk restored whole while the others were rewritten was skipped above, and
      // its rows of the tenant are hot now.
      deleteHotRows(request, dataset, tenant);
    }
    deleteDoomedObjects();
    Transactions.inTransaction(
        dataSource,
        c -> {
          if (!erasures.finish(c, request.erasureId())) {
            return null; // another worker finished it and announced it
          }
          for (Erasure.DatasetErasure erased :
              erasures.find(c, request.erasureId()).orElseThrow().datasets()) {
            outbox.append(
                c,
                EventEnvelope.of(
                    erased.dataset() + "/" + request.tenant(),
                    clock.instant(),
                    new TenantPurged(
                        request.erasureId(),
                        erased.dataset(),
                        request.tenant(),
                        erased.hotRowsDeleted(),
                        erased.coldRowsDeleted(),
                        erased.chunks())));
          }
          return null;
        });
    Erasure erasure = find(request.erasureId()).orElseThrow();
    LOG.infof("erased tenant %s: %s", request.tenant(), erasure.datasets());
    return erasure;
  }

  public Optional<Erasure> find(UUID erasureId) {
    return Transactions.inSnapshot(dataSource, c -> erasures.find(c, erasureId));
  }

  /**
   * Rewrites a chunk that arrived after its dataset's tenants were erased, so that the erased rows
   * never become cold data.
   *
   * @return the replacement's id, or empty when the chunk holds no erased tenant's rows
   */
  public Optional<UUID> eraseLateArrival(Chunk chunk) {
    Set<String> tenants =
        Transactions.inSnapshot(dataSource, c -> erasures.purgedTenants(c, chunk.dataset()));
    if (tenants.isEmpty()) {
      return Optional.empty();
    }
    return rewriteWithout(chunk, tenants, null);
  }

  /** Finishes erasures that a crash or a failure interrupted; the reconciler calls this. */
  public void resumeUnfinished() {
    for (TenantPurgeRequested request : Transactions.inSnapshot(dataSource, erasures::unfinished)) {
      try {
        purge(request);
      } catch (RuntimeException e) {
        LOG.warnf(
            "erasure %s still unfinished, will retry: %s", request.erasureId(), e.getMessage());
      }
    }
  }

  /** Deletes doomed objects whose time has come; the reconciler calls this too. */
  public int deleteDoomedObjects() {
    List<String> due = Transactions.inSnapshot(dataSource, erasures::dueForDeletion);
    for (String key : due) {
      store.delete(key);
      Transactions.inTransaction(
          dataSource,
          c -> {
            audit.recordRows(
                c, AuditLog.Action.OBJECT_DELETED, keys.datasetOf(key), 0, "", "replaced " + key);
            erasures.deleted(c, key);
            return null;
          });
    }
    return due.size();
  }

  /**
   * What {@link #purge} would erase, without erasing anything: per dataset, the tenant's hot rows
   * and each chunk object holding its rows, with how many. It reads every chunk that may hold them,
   * as the erasure itself does.
   *
   * @throws ProblemException 400 as for {@link #purge}
   */
  public PurgePlan plan(String tenant, String datasetName) {
    List<DatasetDefinition> targets = targets(tenant, datasetName);
    List<PurgePlan.DatasetPlan> plans = new ArrayList<>();
    for (DatasetDefinition dataset : targets) {
      String canonical =
          Transactions.inSnapshot(dataSource, c -> hotRows.canonicalTenant(c, dataset, tenant));
      long hot =
          Transactions.inSnapshot(
              dataSource,
              c -> {
                try (PreparedStatement count =
                    c.prepareStatement(
                        "SELECT count(*) FROM "
                            + dataset.table()
                            + " WHERE "
                            + DatasetDefinition.quote(dataset.tenantColumn().orElseThrow())
                            + " = ?")) {
                  count.setObject(1, canonical, Types.OTHER); // typed like the column
                  try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                  }
                }
              });
      List<PurgePlan.ObjectPlan> objects = new ArrayList<>();
      for (Chunk chunk :
          Transactions.inSnapshot(dataSource, c -> catalog.byDataset(c, dataset.name()))) {
        if (chunk.state() == ChunkState.CORRUPT) {
          // Deleted whole by the erasure; its rows are all hot, counted above.
          for (var object : chunk.objects()) {
            objects.add(
                new PurgePlan.ObjectPlan(
                    chunk.chunkId(), chunk.partition(), object.key(), 0, true));
          }
          continue;
        }
        if (!HOLDING_ROWS.contains(chunk.state())) {
          continue;
        }
        try {
          replacements
              .tenantRows(chunk, dataset, Set.of(canonical))
              .forEach(
                  (object, rows) ->
                      objects.add(
                          new PurgePlan.ObjectPlan(
                              chunk.chunkId(),
                              chunk.partition(),
                              object.key(),
                              rows,
                              rows == object.rows())));
        } catch (IOException e) {
          throw new UncheckedIOException("reading chunk " + chunk.chunkId() + " failed", e);
        }
      }
      plans.add(
          new PurgePlan.DatasetPlan(
              dataset.name(),
              hot,
              objects.stream().mapToLong(PurgePlan.ObjectPlan::rows).sum(),
              objects));
    }
    return new PurgePlan(tenant, plans);
  }

  /**
   * Those of {@code chunks} of {@code datasetName} that hold rows of {@code tenant}, e.g. to verify
   * one tenant's archived data; reads the chunks that may hold them.
   *
   * @throws ProblemException 400 if the dataset has no tenant column
   */
  public List<Chunk> holdingTenant(String datasetName, String tenant, List<Chunk> chunks) {
    DatasetDefinition dataset = targets(tenant, datasetName).get(0);
    String canonical =
        Transactions.inSnapshot(dataSource, c -> hotRows.canonicalTenant(c, dataset, tenant));
    List<Chunk> holding = new ArrayList<>();
    for (Chunk chunk : chunks) {
      if (!ChunkVerifier.WITH_OBJECTS.contains(chunk.state())) {
        continue;
      }
      try {
        if (!replacements.tenantRows(chunk, dataset, Set.of(canonical)).isEmpty()) {
          holding.add(chunk);
        }
      } catch (IOException | RuntimeException e) {
        holding.add(chunk); // unreadable: it may hold the tenant's rows, and verifying says why
      }
    }
    return holding;
  }

  /** The datasets an erasure of {@code tenant} covers: {@code datasetName}, or all with tenants. */
  private List<DatasetDefinition> targets(String tenant, String datasetName) {
    if (tenant.isBlank()) {
      throw ProblemException.badRequest("tenant must not be blank");
    }
    if (datasetName != null) {
      DatasetDefinition dataset = datasets.requireInRequest(datasetName);
      if (dataset.tenantColumn().isEmpty()) {
        throw ProblemException.badRequest(
            "dataset " + dataset.name() + " has no tenant column; allowed: " + withTenants());
      }
      return List.of(dataset);
    }
    return datasets.all().stream().filter(d -> d.tenantColumn().isPresent()).toList();
  }

  private List<String> withTenants() {
    return datasets.all().stream()
        .filter(d -> d.tenantColumn().isPresent())
        .map(DatasetDefinition::name)
        .toList();
  }

  /** Deletes the tenant's hot rows and records the tenant as erased, in one transaction. */
  private void deleteHotRows(
      TenantPurgeRequested request, DatasetDefinition dataset, String tenant) {
    Transactions.inWritableSnapshot(
        dataSource,
        c -> {
          erasures.guard(c, dataset.name(), tenant);
          erasures.tombstone(c, dataset.name(), tenant, request.erasureId());
          TableSchema schema = PgTables.readSchema(c, dataset.table());
          String where =
              " WHERE " + DatasetDefinition.quote(dataset.tenantColumn().orElseThrow()) + " = ?";
          RowDigest digest = new RowDigest(schema);
          try (PreparedStatement select =
              c.prepareStatement(
                  "SELECT " + schema.selectList() + " FROM " + dataset.table() + where)) {
            select.setFetchSize(10_000);
            select.setObject(1, tenant, Types.OTHER); // typed like the column
            try (ResultSet rs = select.executeQuery()) {
              while (rs.next()) {
                digest.add(PgTables.readRow(rs, schema));
              }
            }
          }
          int deleted;
          try (PreparedStatement delete =
              c.prepareStatement("DELETE FROM " + dataset.table() + where)) {
            delete.setObject(1, tenant, Types.OTHER);
            deleted = delete.executeUpdate();
          }
          if (deleted != digest.count()) {
            // Same snapshot for both statements: a difference means something else is wrong.
            throw new IllegalStateException(
                "read " + digest.count() + " rows of the tenant but deleted " + deleted);
          }
          if (deleted > 0) {
            audit.recordRows(
                c,
                AuditLog.Action.PURGED,
                dataset.name(),
                deleted,
                digest.hex(),
                "hot rows of tenant " + tenant);
          }
          erasures.addRemoved(
              c, request.erasureId(), dataset.name(), true, deleted, digest.hex(), null, 0);
          failpoints.reached(Failpoints.PURGE_HOT_BEFORE_COMMIT);
          return null;
        });
  }

  /**
   * A CORRUPT chunk's rows are all still hot (it was never pruned), so its untrustworthy objects
   * are simply deleted and the chunk marked PURGED.
   */
  private void purgeCorrupt(Chunk chunk, UUID erasureId) {
    List<String> objects = new ArrayList<>();
    chunk.objects().forEach(o -> objects.add(o.key()));
    objects.add(chunk.manifestKey());
    Transactions.inTransaction(
        dataSource,
        c -> {
          if (catalog.transition(c, chunk, ChunkState.PURGED, "objects deleted by erasure")) {
            erasures.doom(c, objects, clock.instant());
            erasures.addRemoved(
                c, erasureId, chunk.dataset(), false, 0, null, chunk.chunkId(), objects.size());
          }
          return null;
        });
  }

  /**
   * Writes what is left of {@code chunk} without {@code tenants} as a new chunk, verifies it, and
   * swaps it in. Does nothing if the chunk holds none of their rows.
   *
   * @param erasureId the erasure to credit, null for a late arrival
   * @return the replacement's id
   */
  private Optional<UUID> rewriteWithout(Chunk chunk, Set<String> tenants, UUID erasureId) {
    DatasetDefinition dataset = datasets.find(chunk.dataset());
    PartitionLocks.Held lock = locks.lockOrFail(chunk.dataset(), chunk.partition());
    try (lock) {
      Optional<Chunk> current =
          Transactions.inSnapshot(dataSource, c -> catalog.find(c, chunk.chunkId()));
      if (current.isEmpty()
          || current.get().state() != chunk.state()
          || current.get().leaseEpoch() != chunk.leaseEpoch()) {
        return Optional.empty(); // moved on while we waited: whoever moved it read it afresh
      }
      UUID replacementId =
          UUID.nameUUIDFromBytes(
              (chunk.chunkId() + "/without/" + String.join("/", new java.util.TreeSet<>(tenants)))
                  .getBytes(StandardCharsets.UTF_8));
      Optional<ReplacementChunks.Without> without =
          replacements.without(chunk, dataset, tenants, replacementId);
      if (without.isEmpty()) {
        return Optional.empty();
      }
      Chunk replacement = without.get().replacement();
      swap(dataset, chunk, without.get(), tenants, erasureId);
      failpoints.reached(Failpoints.PURGE_BEFORE_OBJECT_DELETION);
      deleteDoomedObjects();
      return Optional.ofNullable(replacement).map(Chunk::chunkId);
    } catch (IOException e) {
      throw new UncheckedIOException("rewriting chunk " + chunk.chunkId() + " failed", e);
    }
  }

  /** Replaces the chunk in one transaction, unless it moved on since it was read. */
  private void swap(
      DatasetDefinition dataset,
      Chunk chunk,
      ReplacementChunks.Without without,
      Set<String> tenants,
      UUID erasureId) {
    Chunk replacement = without.replacement();
    RowDigest removed = without.removed();
    List<String> doomed = without.replacedObjects();
    Transactions.inTransaction(
        dataSource,
        c -> {
          Chunk locked = catalog.lock(c, chunk.chunkId()).orElseThrow();
          if (locked.state() != chunk.state() || locked.leaseEpoch() != chunk.leaseEpoch()) {
            throw new IllegalStateException(
                "chunk " + chunk.chunkId() + " changed while it was rewritten; try again");
          }
          if (replacement == null) {
            catalog.transition(c, locked, ChunkState.PURGED, "every row erased");
          } else {
            catalog.transition(c, locked, ChunkState.SUPERSEDED, null);
            // A replacement of a pruned chunk is what queries read now; any other was just
            // verified, and its prune checks the hot rows as for any chunk.
            catalog.insertReplacement(
                c,
                locked,
                replacement,
                locked.state() == ChunkState.ACTIVE ? ChunkState.ACTIVE : ChunkState.VERIFIED);
            if (dataset.mode() == LifecycleMode.OFFLOAD) {
              hotRows.repoint(c, dataset, chunk.chunkId(), replacement.chunkId());
            }
          }
          audit.record(
              c,
              AuditLog.Action.PURGED,
              chunk,
              removed.count(),
              removed.hex(),
              "rows of tenants "
                  + tenants
                  + (replacement == null
                      ? "; no row left"
                      : "; replaced by " + replacement.chunkId()));
          erasures.doom(c, doomed, clock.instant());
          if (erasureId != null) {
            erasures.addRemoved(
                c,
                erasureId,
                chunk.dataset(),
                false,
                removed.count(),
                removed.hex(),
                chunk.chunkId(),
                doomed.size());
          }
          failpoints.reached(Failpoints.PURGE_SWAP_BEFORE_COMMIT);
          return null;
        });
    LOG.infof(
        "chunk %s rewritten without %s: %d rows removed%s",
        chunk.chunkId(),
        tenants,
        removed.count(),
        replacement == null ? ", none left" : ", replaced by " + replacement.chunkId());
  }
}
