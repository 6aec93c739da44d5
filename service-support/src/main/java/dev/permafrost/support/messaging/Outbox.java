package dev.permafrost.support.messaging;

import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.support.config.PermafrostConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Records events in the service's outbox table, inside the caller's transaction, so an event exists
 * if and only if the change it announces committed.
 */
@ApplicationScoped
public class Outbox {

  private final String table;

  public Outbox(PermafrostConfig config) {
    this.table = config.schema() + ".outbox";
  }

  /** Adds {@code event} to the outbox; a second append of the same event id is a no-op. */
  public void append(Connection transaction, EventEnvelope<?> event) throws SQLException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO "
                + table
                + " (event_id, topic, event_key, payload) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (event_id) DO NOTHING")) {
      insert.setObject(1, event.eventId());
      insert.setString(2, event.topic());
      insert.setString(3, event.key());
      insert.setString(4, EventCodec.toJson(event));
      insert.executeUpdate();
    }
  }

  String table() {
    return table;
  }
}
