package dev.permafrost.query.messaging;

import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventType;
import dev.permafrost.contracts.v1.PartitionArchived;
import dev.permafrost.contracts.v1.PartitionRestored;
import dev.permafrost.contracts.v1.TenantPurged;
import dev.permafrost.query.persistence.ActiveChunks;
import dev.permafrost.query.service.ColdAnswers;
import dev.permafrost.query.service.MergedCopies;
import dev.permafrost.query.service.MonthRollups;
import dev.permafrost.query.service.ObjectCache;
import dev.permafrost.support.jdbc.Transactions;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Keeps the object cache in step with the catalog: a chunk that became ACTIVE is downloaded before
 * the first query asks for it, and the copies of a restored or rewritten chunk that no ACTIVE chunk
 * shares are dropped, with the merged copies, kept month parts and cold answers computed from them.
 * The cache is only ever a copy, so a lost or replayed event costs a download or some disk, never a
 * wrong answer; a failure is logged and the event skipped.
 */
@ApplicationScoped
public class CacheEventsConsumer {

  private static final Logger LOG = Logger.getLogger(CacheEventsConsumer.class);

  private final DataSource dataSource;
  private final ActiveChunks chunks;
  private final ObjectCache cache;
  private final MergedCopies copies;
  private final MonthRollups rollups;
  private final ColdAnswers answers;

  public CacheEventsConsumer(
      DataSource dataSource,
      ActiveChunks chunks,
      ObjectCache cache,
      MergedCopies copies,
      MonthRollups rollups,
      ColdAnswers answers) {
    this.dataSource = dataSource;
    this.chunks = chunks;
    this.cache = cache;
    this.copies = copies;
    this.rollups = rollups;
    this.answers = answers;
  }

  @Incoming("partition-archived")
  @Blocking
  public void archived(String record) {
    PartitionArchived archived =
        EventCodec.<PartitionArchived>fromJson(record, EventType.PARTITION_ARCHIVED).payload();
    cache.warm(
        Transactions.inSnapshot(dataSource, c -> chunks.objectsOf(c, List.of(archived.chunkId()))));
    LOG.debugf("warmed the cache with chunk %s", archived.chunkId());
  }

  @Incoming("partition-restored")
  @Blocking
  public void restored(String record) {
    PartitionRestored restored =
        EventCodec.<PartitionRestored>fromJson(record, EventType.PARTITION_RESTORED).payload();
    drop(restored.chunkIds());
  }

  @Incoming("tenant-purged")
  @Blocking
  public void purged(String record) {
    TenantPurged purged =
        EventCodec.<TenantPurged>fromJson(record, EventType.TENANT_PURGED).payload();
    drop(purged.chunkIds());
  }

  private void drop(List<UUID> chunkIds) {
    if (!chunkIds.isEmpty()) {
      List<String> retired =
          Transactions.inSnapshot(dataSource, c -> chunks.retiredObjects(c, chunkIds));
      copies.dropHolding(retired);
      rollups.dropHolding(retired);
      answers.dropHolding(retired);
      cache.drop(retired);
    }
  }
}
