package dev.permafrost.archive.schedule;

import dev.permafrost.archive.config.ArchiveConfig;
import dev.permafrost.archive.persistence.Catalog;
import dev.permafrost.archive.service.ArchiveLifecycle;
import dev.permafrost.support.jdbc.Transactions;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Drives chunks that sat too long in EXPORTED or VERIFIED, so that lost events and crashed workers
 * never leave a partition half archived. Kafka events are only hints.
 */
@ApplicationScoped
public class Reconciler {

  private static final Logger LOG = Logger.getLogger(Reconciler.class);

  private final DataSource dataSource;
  private final Catalog catalog;
  private final ArchiveLifecycle lifecycle;
  private final ArchiveConfig config;

  public Reconciler(
      DataSource dataSource, Catalog catalog, ArchiveLifecycle lifecycle, ArchiveConfig config) {
    this.dataSource = dataSource;
    this.catalog = catalog;
    this.lifecycle = lifecycle;
    this.config = config;
  }

  @Scheduled(
      every = "{permafrost.archive.reconcile-interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void reconcile() {
    List<UUID> stuck =
        Transactions.inTransaction(dataSource, c -> catalog.stuck(c, config.stuckAfter()));
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
