package dev.permafrost.archive.schedule;

import dev.permafrost.archive.config.ArchiveConfig;
import dev.permafrost.archive.persistence.AuditLog;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.support.config.PermafrostConfig;
import dev.permafrost.support.jdbc.Transactions;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Deletes objects under the store prefix that no catalog row references: leftovers of uploads that
 * died before their chunk was recorded. An object is kept while it is younger than the grace
 * period, or while the exporter has recorded its chunk (its announcement may still be in Kafka).
 * Every deletion is audited.
 */
@ApplicationScoped
public class ObjectCollector {

  private static final Logger LOG = Logger.getLogger(ObjectCollector.class);

  /** The chunk id in a data file's or a manifest's key. */
  private static final Pattern CHUNK_ID =
      Pattern.compile("(?:chunk-|/)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");

  private final DataSource dataSource;
  private final ObjectStore store;
  private final ObjectKeys keys;
  private final AuditLog audit;
  private final ArchiveConfig config;
  private final String prefix;

  public ObjectCollector(
      DataSource dataSource,
      ObjectStore store,
      ObjectKeys keys,
      AuditLog audit,
      ArchiveConfig config,
      PermafrostConfig permafrost) {
    this.dataSource = dataSource;
    this.store = store;
    this.keys = keys;
    this.audit = audit;
    this.config = config;
    this.prefix = permafrost.objectStore().prefix() + "/";
  }

  @Scheduled(
      every = "{permafrost.archive.gc-interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void scheduled() {
    try {
      collect(config.orphanGrace());
    } catch (RuntimeException e) {
      LOG.warnf("collecting unreferenced objects failed, will retry: %s", e.getMessage());
    }
  }

  /**
   * Deletes every unreferenced object older than {@code grace}.
   *
   * @return the keys deleted
   */
  public List<String> collect(Duration grace) {
    Instant cutoff = Instant.now().minus(grace);
    List<ObjectStore.Listed> candidates =
        store.listUnder(prefix).stream().filter(o -> o.lastModified().isBefore(cutoff)).toList();
    if (candidates.isEmpty()) {
      return List.of();
    }
    // Read after listing: an object recorded meanwhile is seen as referenced.
    Set<String> referenced = Transactions.inSnapshot(dataSource, ObjectCollector::referenced);
    List<String> deleted =
        candidates.stream()
            .map(ObjectStore.Listed::key)
            .filter(key -> !referenced.contains(key))
            .filter(key -> !referenced.contains(chunkIdOf(key)))
            .toList();
    for (String key : deleted) {
      Transactions.inTransaction(
          dataSource,
          c -> {
            audit.recordRows(
                c,
                AuditLog.Action.OBJECT_DELETED,
                keys.datasetOf(key),
                0,
                "",
                "unreferenced " + key);
            return null;
          });
      store.delete(key);
      LOG.infof("deleted unreferenced object %s", key);
    }
    return deleted;
  }

  /** Keys the catalog lists, and the chunk ids the catalog or the exporter has recorded. */
  private static Set<String> referenced(Connection snapshot) throws SQLException {
    Set<String> referenced = new HashSet<>();
    collect(snapshot, "SELECT object_key FROM archive.chunk_object", referenced);
    collect(snapshot, "SELECT manifest_key FROM archive.chunk", referenced);
    collect(snapshot, "SELECT object_key FROM archive.doomed_object", referenced);
    collect(snapshot, "SELECT chunk_id::text FROM archive.chunk", referenced);
    try (ResultSet rs =
        snapshot
            .createStatement()
            .executeQuery("SELECT to_regclass('exporter.exported_partition') IS NOT NULL")) {
      rs.next();
      if (rs.getBoolean(1)) {
        collect(snapshot, "SELECT chunk_id::text FROM exporter.exported_partition", referenced);
      }
    }
    return referenced;
  }

  private static void collect(Connection snapshot, String sql, Set<String> into)
      throws SQLException {
    try (PreparedStatement select = snapshot.prepareStatement(sql);
        ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        into.add(rs.getString(1));
      }
    }
  }

  private static String chunkIdOf(String key) {
    Matcher matcher = CHUNK_ID.matcher(key);
    String id = null;
    while (matcher.find()) {
      id = matcher.group(1);
    }
    return id == null ? "" : id;
  }
}
