package dev.permafrost.exporter.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Reads chunk states from the archive-service's catalog in the same database. The exporter only
 * exports late rows of a partition whose earlier chunks are settled: ACTIVE, or replaced
 * (SUPERSEDED, PURGED) by chunks that are, so that no chunk of the partition still has hot rows; on
 * request also RESTORED, whose rows are all hot again.
 */
@ApplicationScoped
public class ArchiveCatalog {

  /**
   * Whether every chunk in {@code chunkIds} is settled and no chunk of their partitions waits for
   * its prune; false if the catalog does not exist yet.
   *
   * @param restoredIsSettled whether a RESTORED chunk, whose rows are all hot again, counts too
   */
  public boolean allActive(Connection connection, List<UUID> chunkIds, boolean restoredIsSettled)
      throws SQLException {
    if (chunkIds.isEmpty()) {
      return true;
    }
    if (!catalogExists(connection)) {
      return false;
    }
    try (PreparedStatement count =
        connection.prepareStatement(
            """
            SELECT count(*) FILTER (WHERE chunk_id = ANY (?)
                       AND (state IN ('ACTIVE', 'SUPERSEDED', 'PURGED')
                            OR (? AND state = 'RESTORED'))),
                   count(*) FILTER (WHERE state IN ('EXPORTED', 'VERIFIED', 'CORRUPT'))
            FROM archive.chunk
            WHERE (dataset, partition) IN
                (SELECT dataset, partition FROM archive.chunk WHERE chunk_id = ANY (?))
            """)) {
      java.sql.Array ids = connection.createArrayOf("uuid", chunkIds.toArray());
      count.setArray(1, ids);
      count.setBoolean(2, restoredIsSettled);
      count.setArray(3, ids);
      try (ResultSet rs = count.executeQuery()) {
        rs.next();
        return rs.getLong(1) == chunkIds.size() && rs.getLong(2) == 0;
      }
    }
  }

  /**
   * The chunks of a partition whose rows are, or may soon be, in the store, as {@code sequence
   * STATE}: catalog chunks that are EXPORTED, VERIFIED, ACTIVE or CORRUPT, and chunks this exporter
   * wrote with rows that the catalog does not know yet. Replacing the partition's hot rows while
   * any exists would leave rows doubled or a prune refused.
   */
  public List<String> chunksHoldingRows(Connection connection, String dataset, String partition)
      throws SQLException {
    boolean catalog = catalogExists(connection);
    String unregistered =
        """
        SELECT sequence || ' exported, not registered yet' FROM exporter.exported_partition e
        WHERE e.dataset = ? AND e.partition = ? AND e.row_count > 0
        """
            + (catalog
                ? " AND NOT EXISTS (SELECT 1 FROM archive.chunk c WHERE c.chunk_id = e.chunk_id)"
                : "");
    String sql =
        catalog
            ? """
              SELECT sequence || ' ' || state FROM archive.chunk
              WHERE dataset = ? AND partition = ?
                AND state IN ('EXPORTED', 'VERIFIED', 'ACTIVE', 'CORRUPT')
              UNION ALL
              """
                + unregistered
            : unregistered;
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      int p = 1;
      if (catalog) {
        select.setString(p++, dataset);
        select.setString(p++, partition);
      }
      select.setString(p++, dataset);
      select.setString(p, partition);
      List<String> chunks = new ArrayList<>();
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          chunks.add(rs.getString(1));
        }
      }
      return chunks;
    }
  }

  private static boolean catalogExists(Connection connection) throws SQLException {
    try (ResultSet rs =
        connection
            .createStatement()
            .executeQuery("SELECT to_regclass('archive.chunk') IS NOT NULL")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }
}
