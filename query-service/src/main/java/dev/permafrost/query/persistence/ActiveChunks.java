package dev.permafrost.query.persistence;

import dev.permafrost.query.domain.ColdObject;
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

  /** The objects of every ACTIVE chunk whose partition overlaps [from, to). */
  public List<ColdObject> overlapping(Connection snapshot, String dataset, Instant from, Instant to)
      throws SQLException {
    List<ColdObject> objects = new ArrayList<>();
    try (PreparedStatement select =
        snapshot.prepareStatement(
            """
            SELECT c.chunk_id, c.partition, o.object_key, o.sha256, o.bytes
            FROM archive.chunk c JOIN archive.chunk_object o ON o.chunk_id = c.chunk_id
            WHERE c.dataset = ? AND c.state = 'ACTIVE'
              AND c.partition_start < ? AND c.partition_end > ?
            ORDER BY c.partition_start, c.sequence, o.object_no
            """)) {
      select.setString(1, dataset);
      select.setTimestamp(2, Timestamp.from(to));
      select.setTimestamp(3, Timestamp.from(from));
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          objects.add(
              new ColdObject(
                  rs.getObject(1, UUID.class),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getLong(5)));
        }
      }
    }
    return objects;
  }
}
