package dev.permafrost.exporter.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/**
 * Reads chunk states from the archive-service's catalog in the same database. The exporter only
 * exports late rows of a partition whose earlier chunks are ACTIVE: until then the partition's hot
 * rows still include rows that an earlier chunk holds.
 */
@ApplicationScoped
public class ArchiveCatalog {

  /** Whether every chunk in {@code chunkIds} is ACTIVE; false if the catalog does not exist yet. */
  public boolean allActive(Connection connection, List<UUID> chunkIds) throws SQLException {
    if (chunkIds.isEmpty()) {
      return true;
    }
    try (ResultSet rs =
        connection
            .createStatement()
            .executeQuery("SELECT to_regclass('archive.chunk') IS NOT NULL")) {
      rs.next();
      if (!rs.getBoolean(1)) {
        return false;
      }
    }
    try (PreparedStatement count =
        connection.prepareStatement(
            "SELECT count(*) FROM archive.chunk WHERE chunk_id = ANY (?) AND state = 'ACTIVE'")) {
      count.setArray(1, connection.createArrayOf("uuid", chunkIds.toArray()));
      try (ResultSet rs = count.executeQuery()) {
        rs.next();
        return rs.getLong(1) == chunkIds.size();
      }
    }
  }
}
