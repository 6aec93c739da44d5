package dev.permafrost.archive.persistence;

import dev.permafrost.archive.domain.RestoreStatus;
import dev.permafrost.contracts.v1.RestoreRequested;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Restore requests, the chunks each covers, and their progress. */
@ApplicationScoped
public class RestoreRequests {

  private static final String COLUMNS =
      """
      request_id, dataset, range_from, range_to, tenant, reason, requested_by, state,
      (SELECT count(*) FROM archive.restore_chunk k WHERE k.request_id = r.request_id),
      (SELECT count(*) FROM archive.restore_chunk k WHERE k.request_id = r.request_id AND k.done),
      (SELECT coalesce(sum(k.rows), 0) FROM archive.restore_chunk k
       WHERE k.request_id = r.request_id),
      error, requested_at, finished_at
      """;

  /**
   * Records a request covering {@code chunkIds}; FAILED with {@code error} when it cannot run.
   *
   * @param tenant the request's tenant as its column spells it; null for whole chunks
   * @return false if a request with this id exists already (a retried call or replayed event)
   */
  public boolean create(
      Connection transaction,
      RestoreRequested request,
      String tenant,
      List<UUID> chunkIds,
      String error)
      throws SQLException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO archive.restore_request (request_id, dataset, range_from, range_to,"
                + " tenant, reason, requested_by, state, error, finished_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN now() END)"
                + " ON CONFLICT DO NOTHING")) {
      insert.setObject(1, request.requestId());
      insert.setString(2, request.dataset());
      insert.setTimestamp(3, Timestamp.from(request.from()));
      insert.setTimestamp(4, Timestamp.from(request.to()));
      insert.setString(5, tenant);
      insert.setString(6, request.reason());
      insert.setString(7, request.requestedBy());
      insert.setString(8, error == null ? "RUNNING" : "FAILED");
      insert.setString(9, error);
      insert.setBoolean(10, error != null);
      if (insert.executeUpdate() == 0) {
        return false;
      }
    }
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO archive.restore_chunk (request_id, chunk_id) VALUES (?, ?)")) {
      for (UUID chunkId : chunkIds) {
        insert.setObject(1, request.requestId());
        insert.setObject(2, chunkId);
        insert.addBatch();
      }
      insert.executeBatch();
    }
    return true;
  }

  public Optional<RestoreStatus> find(Connection connection, UUID requestId) throws SQLException {
    return select(connection, "WHERE request_id = ?", requestId).stream().findFirst();
  }

  /** The newest requests first, at most 100. */
  public List<RestoreStatus> recent(Connection connection) throws SQLException {
    return select(connection, "ORDER BY requested_at DESC LIMIT 100", null);
  }

  /** Requests still RUNNING, e.g. after a crash, oldest first. */
  public List<UUID> running(Connection connection) throws SQLException {
    List<UUID> ids = new ArrayList<>();
    for (RestoreStatus status :
        select(connection, "WHERE state = 'RUNNING' ORDER BY requested_at LIMIT 100", null)) {
      ids.add(status.requestId());
    }
    return ids;
  }

  /** The request's chunks not restored yet, oldest partition first. */
  public List<UUID> pendingChunks(Connection connection, UUID requestId) throws SQLException {
    List<UUID> ids = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT r.chunk_id FROM archive.restore_chunk r JOIN archive.chunk c USING (chunk_id)"
                + " WHERE r.request_id = ? AND NOT r.done ORDER BY c.partition_start, c.sequence")) {
      select.setObject(1, requestId);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getObject(1, UUID.class));
        }
      }
    }
    return ids;
  }

  /** Adds a chunk to the request, e.g. the replacement of one it covered; once. */
  public void addChunk(Connection transaction, UUID requestId, UUID chunkId) throws SQLException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO archive.restore_chunk (request_id, chunk_id) VALUES (?, ?)"
                + " ON CONFLICT DO NOTHING")) {
      insert.setObject(1, requestId);
      insert.setObject(2, chunkId);
      insert.executeUpdate();
    }
  }

  /** Marks one chunk of the request done, with the rows it restored. */
  public void chunkDone(Connection transaction, UUID requestId, UUID chunkId, long rows)
      throws SQLException {
    try (PreparedStatement update =
        transaction.prepareStatement(
            "UPDATE archive.restore_chunk SET done = true, rows = ? WHERE request_id = ?"
                + " AND chunk_id = ? AND NOT done")) {
      update.setLong(1, rows);
      update.setObject(2, requestId);
      update.setObject(3, chunkId);
      update.executeUpdate();
    }
  }

  /** Ends a RUNNING request: DONE when {@code error} is null, else FAILED with it. */
  public void finish(Connection transaction, UUID requestId, String error) throws SQLException {
    try (PreparedStatement update =
        transaction.prepareStatement(
            "UPDATE archive.restore_request SET state = ?, error = ?, finished_at = now()"
                + " WHERE request_id = ? AND state = 'RUNNING'")) {
      update.setString(1, error == null ? "DONE" : "FAILED");
      update.setString(2, error);
      update.setObject(3, requestId);
      update.executeUpdate();
    }
  }

  private static List<RestoreStatus> select(Connection connection, String where, UUID parameter)
      throws SQLException {
    List<RestoreStatus> statuses = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT " + COLUMNS + " FROM archive.restore_request r " + where)) {
      if (parameter != null) {
        select.setObject(1, parameter);
      }
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          Timestamp finished = rs.getTimestamp(14);
          statuses.add(
              new RestoreStatus(
                  rs.getObject(1, UUID.class),
                  rs.getString(2),
                  rs.getTimestamp(3).toInstant(),
                  rs.getTimestamp(4).toInstant(),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getString(8),
                  rs.getInt(9),
                  rs.getInt(10),
                  rs.getLong(11),
                  rs.getString(12),
                  rs.getTimestamp(13).toInstant(),
                  finished == null ? null : finished.toInstant()));
        }
      }
    }
    return statuses;
  }
}
