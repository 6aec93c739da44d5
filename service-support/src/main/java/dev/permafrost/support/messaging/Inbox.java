package dev.permafrost.support.messaging;

import dev.permafrost.support.config.PermafrostConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/**
 * Remembers which events a consumer has applied. Recording happens in the same transaction as the
 * event's effect, so a redelivered event is recognised exactly when its effect committed.
 */
@ApplicationScoped
public class Inbox {

  private final String table;

  public Inbox(PermafrostConfig config) {
    this.table = config.schema() + ".processed_event";
  }

  public boolean alreadyProcessed(Connection connection, String consumer, UUID eventId)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT 1 FROM " + table + " WHERE consumer = ? AND event_id = ?")) {
      select.setString(1, consumer);
      select.setObject(2, eventId);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next();
      }
    }
  }

  /**
   * Records that {@code consumer} applied {@code eventId}.
   *
   * @return false if it was recorded before: another delivery of the event got there first
   */
  public boolean markProcessed(Connection transaction, String consumer, UUID eventId)
      throws SQLException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO "
                + table
                + " (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
      insert.setString(1, consumer);
      insert.setObject(2, eventId);
      return insert.executeUpdate() == 1;
    }
  }
}
