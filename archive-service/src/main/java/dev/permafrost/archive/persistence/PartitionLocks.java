package dev.permafrost.archive.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * PostgreSQL advisory locks on a partition, held for work that writes objects before its swap
 * commits (an erasure's rewrite, a compaction), so that two workers, in one process or in two
 * replicas, never write and delete the same replacement's objects at once.
 */
@ApplicationScoped
public class PartitionLocks {

  /** A held lock; closing releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  private final DataSource dataSource;

  public PartitionLocks(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Takes the partition's lock for work that is retried later when someone holds it.
   *
   * @throws IllegalStateException if another worker holds it
   */
  public Held lockOrFail(String dataset, String partition) {
    return tryLock(dataset, partition)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    dataset
                        + "/"
                        + partition
                        + " is being rewritten by another worker; the work is retried later"));
  }

  /** Takes the partition's lock if no one holds it; empty otherwise. */
  public Optional<Held> tryLock(String dataset, String partition) {
    String name = "permafrost/" + dataset + "/" + partition;
    try {
      Connection connection = dataSource.getConnection();
      connection.setAutoCommit(true);
      if (!call(connection, "SELECT pg_try_advisory_lock(hashtextextended(?, 0))", name)) {
        connection.close();
        return Optional.empty();
      }
      return Optional.of(
          () -> {
            // Unlock before the connection goes back to the pool, which keeps the session.
            try (connection) {
              call(connection, "SELECT pg_advisory_unlock(hashtextextended(?, 0))", name);
            } catch (SQLException e) {
              throw new IllegalStateException("could not release the lock on " + name, e);
            }
          });
    } catch (SQLException e) {
      throw new IllegalStateException("could not lock " + name, e);
    }
  }

  private static boolean call(Connection connection, String sql, String name) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, name);
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }
}
