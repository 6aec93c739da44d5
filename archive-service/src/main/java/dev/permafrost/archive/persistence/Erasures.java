package dev.permafrost.archive.persistence;

import dev.permafrost.archive.domain.Erasure;
import dev.permafrost.contracts.v1.TenantPurgeRequested;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Erasure records, the tenants erased from each dataset, and objects waiting to be deleted from the
 * store.
 */
@ApplicationScoped
public class Erasures {

  /**
   * Records a new erasure.
   *
   * @return false if one with this id exists already (a retried call or replayed event)
   */
  public boolean create(Connection transaction, TenantPurgeRequested request) throws SQLException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO archive.erasure (erasure_id, tenant, dataset, requested_by, reason)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      insert.setObject(1, request.erasureId());
      insert.setString(2, request.tenant());
      insert.setString(3, request.dataset());
      insert.setString(4, request.requestedBy());
      insert.setString(5, request.reason());
      return insert.executeUpdate() == 1;
    }
  }

  /** Erasures that started over a minute ago and did not finish, e.g. after a crash. */
  public List<TenantPurgeRequested> unfinished(Connection connection) throws SQLException {
    List<TenantPurgeRequested> requests = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT erasure_id, tenant, dataset, reason, requested_by FROM archive.erasure"
                + " WHERE finished_at IS NULL AND requested_at < now() - interval '1 minute'"
                + " ORDER BY requested_at LIMIT 100")) {
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          requests.add(
              new TenantPurgeRequested(
                  rs.getObject(1, UUID.class),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5)));
        }
      }
    }
    return requests;
  }

  /**
   * Updates the tenant's guard row: the first statement of an erasure's or a one-tenant restore's
   * transaction, so that two of them that overlap cannot both commit (see V6__tenant_guard.sql).
   */
  public void guard(Connection transaction, String dataset, String tenant) throws SQLException {
    try (PreparedStatement upsert =
        transaction.prepareStatement(
            "INSERT INTO archive.tenant_guard (dataset, tenant) VALUES (?, ?)"
                + " ON CONFLICT (dataset, tenant) DO UPDATE SET changed_at = now()")) {
      upsert.setString(1, dataset);
      upsert.setString(2, tenant);
      upsert.executeUpdate();
    }
  }

  /** Marks the tenant erased from the dataset, for chunks that arrive later. */
  public void tombstone(Connection transaction, String dataset, String tenant, UUID erasureId)
      throws SQLException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO archive.purged_tenant (dataset, tenant, erasure_id) VALUES (?, ?, ?)"
                + " ON CONFLICT DO NOTHING")) {
      insert.setString(1, dataset);
      insert.setString(2, tenant);
      insert.setObject(3, erasureId);
      insert.executeUpdate();
    }
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO archive.erasure_dataset (erasure_id, dataset) VALUES (?, ?)"
                + " ON CONFLICT DO NOTHING")) {
      insert.setObject(1, erasureId);
      insert.setString(2, dataset);
      insert.executeUpdate();
    }
  }

  /** The tenants ever erased from the dataset. */
  public Set<String> purgedTenants(Connection connection, String dataset) throws SQLException {
    Set<String> tenants = new TreeSet<>();
    try (PreparedStatement select =
        connection.prepareStatement("SELECT tenant FROM archive.purged_tenant WHERE dataset = ?")) {
      select.setString(1, dataset);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          tenants.add(rs.getString(1));
        }
      }
    }
    return tenants;
  }

  /**
   * Adds what one step removed from a dataset to the erasure's record, in the step's transaction.
   *
   * @param hot whether the rows were hot rows (else rows of chunks)
   * @param digest the digest of the rows removed, added to the recorded one
   */
  public void addRemoved(
      Connection transaction,
      UUID erasureId,
      String dataset,
      boolean hot,
      long rows,
      String digest,
      UUID chunkId,
      int objectsDeleted)
      throws SQLException {
    String rowsColumn = hot ? "hot_rows" : "cold_rows";
    String digestColumn = hot ? "hot_digest" : "cold_digest";
    String recorded;
    try (PreparedStatement select =
        transaction.prepareStatement(
            "SELECT "
                + digestColumn
                + " FROM archive.erasure_dataset WHERE erasure_id = ? AND dataset = ? FOR UPDATE")) {
      select.setObject(1, erasureId);
      select.setString(2, dataset);
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("erasure " + erasureId + " has no record of " + dataset);
        }
        recorded = rs.getString(1);
      }
    }
    try (PreparedStatement update =
        transaction.prepareStatement(
            "UPDATE archive.erasure_dataset SET "
                + rowsColumn
                + " = "
                + rowsColumn
                + " + ?, "
                + digestColumn
                + " = ?, chunks = CASE WHEN ?::uuid IS NULL THEN chunks ELSE"
                + " array_append(chunks, ?::uuid) END, objects_deleted = objects_deleted + ?"
                + " WHERE erasure_id = ? AND dataset = ?")) {
      update.setLong(1, rows);
      update.setString(2, rows == 0 ? recorded : sum(recorded, digest));
      update.setObject(3, chunkId);
      update.setObject(4, chunkId);
      update.setInt(5, objectsDeleted);
      update.setObject(6, erasureId);
      update.setString(7, dataset);
      update.executeUpdate();
    }
  }

  /**
   * Marks the erasure finished.
   *
   * @return false if it was finished before (by another worker)
   */
  public boolean finish(Connection transaction, UUID erasureId) throws SQLException {
    try (PreparedStatement update =
        transaction.prepareStatement(
            "UPDATE archive.erasure SET finished_at = now() WHERE erasure_id = ?"
                + " AND finished_at IS NULL")) {
      update.setObject(1, erasureId);
      return update.executeUpdate() == 1;
    }
  }

  public Optional<Erasure> find(Connection connection, UUID erasureId) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT tenant, requested_by, reason, requested_at, finished_at FROM archive.erasure"
                + " WHERE erasure_id = ?")) {
      select.setObject(1, erasureId);
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        Timestamp finished = rs.getTimestamp(5);
        return Optional.of(
            new Erasure(
                erasureId,
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getTimestamp(4).toInstant(),
                finished == null ? null : finished.toInstant(),
                datasets(connection, erasureId)));
      }
    }
  }

  /** Records that these objects are to be deleted from the store after {@code deleteAfter}. */
  public void doom(Connection transaction, List<String> keys, Instant deleteAfter)
      throws SQLException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO archive.doomed_object (object_key, delete_after) VALUES (?, ?)"
                + " ON CONFLICT DO NOTHING")) {
      for (String key : keys) {
        insert.setString(1, key);
        insert.setTimestamp(2, Timestamp.from(deleteAfter));
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  /** Doomed objects whose time has come, at most 1000. */
  public List<String> dueForDeletion(Connection connection) throws SQLException {
    List<String> keys = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT object_key FROM archive.doomed_object WHERE delete_after <= now()"
                + " ORDER BY delete_after LIMIT 1000")) {
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          keys.add(rs.getString(1));
        }
      }
    }
    return keys;
  }

  /** Forgets an object once it is deleted from the store. */
  public void deleted(Connection transaction, String key) throws SQLException {
    try (PreparedStatement delete =
        transaction.prepareStatement("DELETE FROM archive.doomed_object WHERE object_key = ?")) {
      delete.setString(1, key);
      delete.executeUpdate();
    }
  }

  private static List<Erasure.DatasetErasure> datasets(Connection connection, UUID erasureId)
      throws SQLException {
    List<Erasure.DatasetErasure> datasets = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT dataset, hot_rows, hot_digest, cold_rows, cold_digest, chunks,"
                + " objects_deleted FROM archive.erasure_dataset WHERE erasure_id = ?"
                + " ORDER BY dataset")) {
      select.setObject(1, erasureId);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          Array chunks = rs.getArray(6);
          datasets.add(
              new Erasure.DatasetErasure(
                  rs.getString(1),
                  rs.getLong(2),
                  rs.getString(3),
                  rs.getLong(4),
                  rs.getString(5),
                  Arrays.stream((Object[]) chunks.getArray()).map(UUID.class::cast).toList(),
                  rs.getInt(7)));
        }
      }
    }
    return datasets;
  }

  /** The sum of two digests modulo 2^128, as {@code RowDigest} sums row hashes. */
  private static String sum(String recorded, String added) {
    if (recorded == null) {
      return added;
    }
    java.math.BigInteger total =
        new java.math.BigInteger(recorded, 16)
            .add(new java.math.BigInteger(added, 16))
            .mod(java.math.BigInteger.ONE.shiftLeft(128));
    return String.format("%032x", total);
  }
}
