package dev.permafrost.exporter.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Leases that let one worker at a time export a partition. Acquiring a free or expired lease bumps
 * its epoch; the holder proves it still holds the lease, by epoch, in the transaction that records
 * its chunk.
 */
@ApplicationScoped
public class PartitionLeases {

  /**
   * Takes the partition's lease for {@code duration} if nobody holds it.
   *
   * @return the new epoch, or empty if another worker holds an unexpired lease
   */
  public OptionalLong tryAcquire(
      Connection transaction, String dataset, String partition, String holder, Duration duration)
      throws SQLException {
    try (PreparedStatement upsert =
        transaction.prepareStatement(
            """
            INSERT INTO exporter.partition_lease (dataset, partition, epoch, holder, expires_at)
            VALUES (?, ?, 1, ?, now() + make_interval(secs => ?))
            ON CONFLICT (dataset, partition) DO UPDATE
               SET epoch = partition_lease.epoch + 1, holder = EXCLUDED.holder,
                   expires_at = EXCLUDED.expires_at
             WHERE partition_lease.expires_at <= now()
            RETURNING epoch
            """)) {
      upsert.setString(1, dataset);
      upsert.setString(2, partition);
      upsert.setString(3, holder);
      upsert.setDouble(4, duration.toMillis() / 1000.0);
      try (ResultSet rs = upsert.executeQuery()) {
        return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
      }
    }
  }

  /**
   * Whether the lease still carries {@code epoch} and has not expired; locks it until the
   * transaction ends, so that nobody takes it over before the caller's commit.
   */
  public boolean holds(Connection transaction, String dataset, String partition, long epoch)
      throws SQLException {
    try (PreparedStatement select =
        transaction.prepareStatement(
            "SELECT epoch = ? AND expires_at > now() FROM exporter.partition_lease"
                + " WHERE dataset = ? AND partition = ? FOR UPDATE")) {
      select.setLong(1, epoch);
      select.setString(2, dataset);
      select.setString(3, partition);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /**
   * Extends the lease by {@code duration} from now, if it still carries {@code epoch} and has not
   * expired.
   *
   * @return false if the lease was lost
   */
  public boolean renew(
      Connection transaction, String dataset, String partition, long epoch, Duration duration)
      throws SQLException {
    try (PreparedStatement update =
        transaction.prepareStatement(
            "UPDATE exporter.partition_lease SET expires_at = now() + make_interval(secs => ?)"
                + " WHERE dataset = ? AND partition = ? AND epoch = ? AND expires_at > now()")) {
      update.setDouble(1, duration.toMillis() / 1000.0);
      update.setString(2, dataset);
      update.setString(3, partition);
      update.setLong(4, epoch);
      return update.executeUpdate() == 1;
    }
  }

  /** Gives the lease up at once, if it still carries {@code epoch}. */
  public void release(Connection transaction, String dataset, String partition, long epoch)
      throws SQLException {
    try (PreparedStatement update =
        transaction.prepareStatement(
            "UPDATE exporter.partition_lease SET expires_at = now()"
                + " WHERE dataset = ? AND partition = ? AND epoch = ?")) {
      update.setString(1, dataset);
      update.setString(2, partition);
      update.setLong(3, epoch);
      update.executeUpdate();
    }
  }
}
