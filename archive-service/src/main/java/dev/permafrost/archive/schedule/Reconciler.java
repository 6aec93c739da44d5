package dev.permafrost.archive.schedule;

import dev.permafrost.archive.config.ArchiveConfig;
import dev.permafrost.archive.persistence.Catalog;
import dev.permafrost.archive.service.ArchiveLifecycle;
import dev.permafrost.archive.service.Compaction;
import dev.permafrost.archive.service.RestoreService;
import dev.permafrost.archive.service.TenantPurge;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Drives chunks that sat too long in EXPORTED or VERIFIED, and resumes restores left RUNNING, so
 * that lost events and crashed workers never leave a partition half archived or half restored.
 * Kafka events are only hints.
 */
@ApplicationScoped
public class Reconciler {

  private static final Logger LOG = Logger.getLogger(Reconciler.class);

  private final DataSource dataSource;
  private final Catalog catalog;
  private final ArchiveLifecycle lifecycle;
  private final ArchiveConfig config;
  private final Datasets datasets;
  private final RestoreService restores;
  private final TenantPurge tenantPurge;
  private final Compaction compaction;

  public Reconciler(
      DataSource dataSource,
      Catalog catalog,
      ArchiveLifecycle lifecycle,
      ArchiveConfig config,
      Datasets datasets,
      RestoreService restores,
      TenantPurge tenantPurge,
      Compaction compaction) {
    this.dataSource = dataSource;
    this.catalog = catalog;
    this.lifecycle = lifecycle;
    this.config = config;
    this.datasets = datasets;
    this.restores = restores;
    this.tenantPurge = tenantPurge;
    this.compaction = compaction;
  }

  /** Runs one duty; its failure is logged and retried next time, the other duties still run. */
  private static void attempt(String duty, Runnable work) {
    try {
      work.run();
    } catch (RuntimeException e) {
      LOG.warnf("%s failed, will retry: %s", duty, e.getMessage());
    }
  }

  @Scheduled(
      every = "{permafrost.archive.reconcile-interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void reconcile() {
    attempt("resuming restores", restores::resumeRunning);
    attempt("resuming erasures", tenantPurge::resumeUnfinished);
    attempt("deleting replaced objects", tenantPurge::deleteDoomedObjects);
    attempt("compaction", compaction::compactDue);
    Map<String, Duration> pruneCooling = new TreeMap<>();
    for (DatasetDefinition dataset : datasets.all()) {
      Datasets.PrunePolicy policy = datasets.prunePolicy(dataset.name());
      if (policy.enabled()) {
        pruneCooling.put(dataset.name(), policy.cooling());
      }
    }
    List<UUID> stuck =
        Transactions.inTransaction(
            dataSource, c -> catalog.stuck(c, config.stuckAfter(), pruneCooling));
    for (UUID chunkId : stuck) {
      try {
        LOG.infof(
            "reconciling chunk %s -> %s", chunkId, lifecycle.drive(chunkId, Optional.empty()));
      } catch (RuntimeException e) {
        LOG.warnf("reconciling chunk %s failed, will retry: %s", chunkId, e.getMessage());
      }
    }
  }
}
