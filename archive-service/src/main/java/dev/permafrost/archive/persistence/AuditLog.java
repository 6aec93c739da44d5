package dev.permafrost.archive.persistence;

import dev.permafrost.archive.domain.Chunk;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** Records verification outcomes and deletions, in the transaction that makes them. */
@ApplicationScoped
public class AuditLog {

  /** What happened to a chunk or its rows. */
  public enum Action {
    VERIFIED,
    CORRUPT,
    PRUNED,
    RESTORED
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
