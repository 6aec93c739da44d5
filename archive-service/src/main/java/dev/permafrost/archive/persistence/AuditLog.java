package dev.permafrost.archive.persistence;

import dev.permafrost.archive.domain.AuditEntry;
import dev.permafrost.archive.domain.Chunk;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Records verification outcomes and deletions, in the transaction that makes them. */
@ApplicationScoped
public class AuditLog {

  /** What happened to a chunk or its rows. */
  public enum Action {
    VERIFIED,
    CORRUPT,
    PRUNED,
    RESTORED,
    PURGED,
    /** Chunks of a partition merged into one. */
    COMPACTED,
    /** An object no catalog row referenced, deleted from the store. */
    OBJECT_DELETED
  }

  /** Records rows of a dataset that belong to no chunk, such as a tenant's erased hot rows. */
  public void recordRows(
      Connection transaction,
      Action action,
      String dataset,
      long rows,
      String digest,
      String detail)
      throws SQLException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO archive.audit_log (action, dataset, row_count, row_digest, detail)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      insert.setString(1, action.name());
      insert.setString(2, dataset);
      insert.setLong(3, rows);
      insert.setString(4, digest);
      insert.setString(5, detail);
      insert.executeUpdate();
    }
  }

  /**
   * Entries matching every filter given (null filters match all), newest first.
   *
   * @param limit at most this many
   */
  public List<AuditEntry> find(
      Connection connection,
      String dataset,
      String action,
      UUID chunkId,
      Instant from,
      Instant to,
      int limit)
      throws SQLException {
    List<AuditEntry> entries = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            """
            SELECT id, at, action, dataset, partition, chunk_id, row_count, row_digest, detail
            FROM archive.audit_log
            WHERE (?::text IS NULL OR dataset = ?) AND (?::text IS NULL OR action = ?)
              AND (?::uuid IS NULL OR chunk_id = ?)
              AND (?::timestamptz IS NULL OR at >= ?) AND (?::timestamptz IS NULL OR at < ?)
            ORDER BY id DESC LIMIT ?
            """)) {
      select.setString(1, dataset);
      select.setString(2, dataset);
      select.setString(3, action);
      select.setString(4, action);
      select.setObject(5, chunkId);
      select.setObject(6, chunkId);
      Timestamp start = from == null ? null : Timestamp.from(from);
      Timestamp end = to == null ? null : Timestamp.from(to);
      select.setTimestamp(7, start);
      select.setTimestamp(8, start);
      select.setTimestamp(9, end);
      select.setTimestamp(10, end);
      select.setInt(11, limit);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          entries.add(
              new AuditEntry(
                  rs.getLong(1),
                  rs.getTimestamp(2).toInstant(),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getObject(6, UUID.class),
                  rs.getLong(7),
                  rs.getString(8),
                  rs.getString(9)));
        }
      }
    }
    return entries;
  }

  public void record(
      Connection transaction, Action action, Chunk chunk, long rows, String digest, String detail)
      throws SQLException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO archive.audit_log (action, dataset, partition, chunk_id, row_count,"
                + " row_digest, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, action.name());
      insert.setString(2, chunk.dataset());
      insert.setString(3, chunk.partition());
      insert.setObject(4, chunk.chunkId());
      insert.setLong(5, rows);
      insert.setString(6, digest);
      insert.setString(7, detail);
      insert.executeUpdate();
    }
  }
}
