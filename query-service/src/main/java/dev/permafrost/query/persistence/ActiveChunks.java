package dev.permafrost.query.persistence;

import dev.permafrost.query.domain.ColdObject;
import dev.permafrost.query.domain.DatasetInfo;
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

/**
 * Reads the archive-service's catalog directly, in the caller's snapshot, so that cold and hot rows
 * are seen at the same instant: a row is in exactly one of the two.
 */
@ApplicationScoped
public class ActiveChunks {

  /** The objects of the given chunks, whatever their state. */
  public List<ColdObject> objectsOf(Connection connection, List<UUID> chunkIds)
      throws SQLException {
    return select(
        connection,
        "WHERE c.chunk_id = ANY (?) ORDER BY c.partition_start, c.sequence, o.object_no",
        connection.createArrayOf("uuid", chunkIds.toArray()));
  }

  /**
   * The SHA-256 of the given chunks' objects that no ACTIVE chunk holds, e.g. once a chunk was
   * restored or rewritten without an erased tenant: copies no query will read again.
   */
  public List<String> retiredObjects(Connection connection, List<UUID> chunkIds)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            """
            SELECT DISTINCT o.sha256 FROM archive.chunk_object o
            WHERE o.chunk_id = ANY (?)
              AND NOT EXISTS (SELECT 1 FROM archive.chunk_object a
                              JOIN archive.chunk c ON c.chunk_id = a.chunk_id
                              WHERE a.sha256 = o.sha256 AND c.state = 'ACTIVE')
            """)) {
      select.setArray(1, connection.createArrayOf("uuid", chunkIds.toArray()));
      return texts(select);
    }
  }

  /** Those of the given SHA-256 that no ACTIVE chunk holds an object of. */
  public List<String> inactive(Connection connection, List<String> sha256s) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            """
            SELECT s.sha256 FROM unnest(?::text[]) AS s(sha256)
            WHERE NOT EXISTS (SELECT 1 FROM archive.chunk_object a
                              JOIN archive.chunk c ON c.chunk_id = a.chunk_id
                              WHERE a.sha256 = s.sha256 AND c.state = 'ACTIVE')
            """)) {
      select.setArray(1, connection.createArrayOf("text", sha256s.toArray()));
      return texts(select);
    }
  }

  /** The first column of every row {@code select} gives, as text. */
  private static List<String> texts(PreparedStatement select) throws SQLException {
    List<String> texts = new ArrayList<>();
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        texts.add(rs.getString(1));
      }
    }
    return texts;
  }

  /** The dataset's ACTIVE chunks summed up. */
  public DatasetInfo.Cold summary(Connection snapshot, String dataset) throws SQLException {
    try (PreparedStatement select =
        snapshot.prepareStatement(
            "SELECT count(*), coalesce(sum(row_count), 0), coalesce(sum(bytes), 0),"
                + " min(partition_start), max(partition_end)"
                + " FROM archive.chunk WHERE dataset = ? AND state = 'ACTIVE'")) {
      select.setString(1, dataset);
      try (ResultSet rs = select.executeQuery()) {
        rs.next();
        Timestamp from = rs.getTimestamp(4);
        Timestamp to = rs.getTimestamp(5);
        return new DatasetInfo.Cold(
            rs.getLong(1),
            rs.getLong(2),
            rs.getLong(3),
            from == null ? null : from.toInstant(),
            to == null ? null : to.toInstant(),
            0,
            0,
            0);
      }
    }
  }

  /** The objects of every ACTIVE chunk of the dataset. */
  public List<ColdObject> active(Connection snapshot, String dataset) throws SQLException {
    return select(
        snapshot,
        "WHERE c.dataset = ? AND c.state = 'ACTIVE'"
            + " ORDER BY c.partition_start, c.sequence, o.object_no",
        dataset);
  }

  /** The objects of every ACTIVE chunk whose partition overlaps [from, to). */
  public List<ColdObject> overlapping(Connection snapshot, String dataset, Instant from, Instant to)
      throws SQLException {
    return select(
        snapshot,
        """
        WHERE c.dataset = ? AND c.state = 'ACTIVE'
          AND c.partition_start < ? AND c.partition_end > ?
        ORDER BY c.partition_start, c.sequence, o.object_no
        """,
        dataset,
        Timestamp.from(to),
        Timestamp.from(from));
  }

  private static List<ColdObject> select(Connection connection, String where, Object... parameters)
      throws SQLException {
    List<ColdObject> objects = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT c.chunk_id, c.partition, c.partition_start, c.partition_end, o.object_key,"
                + " o.sha256, o.bytes"
                + " FROM archive.chunk c JOIN archive.chunk_object o ON o.chunk_id = c.chunk_id "
                + where)) {
      for (int i = 0; i < parameters.length; i++) {
        select.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          objects.add(
              new ColdObject(
                  rs.getObject(1, UUID.class),
                  rs.getString(2),
                  rs.getTimestamp(3).toInstant(),
                  rs.getTimestamp(4).toInstant(),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getLong(7)));
        }
      }
    }
    return objects;
  }
}
