package dev.permafrost.contracts;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The one envelope every event travels in.
 *
 * @param key {@code dataset/partition}, also the Kafka record key, so that the events of one
 *     partition stay in order
 * @param payload one of the records in {@code dev.permafrost.contracts.v1}
 */
public record EventEnvelope<P>(
    UUID eventId, String type, int schemaVersion, String key, Instant occurredAt, P payload) {

  public EventEnvelope {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(occurredAt, "occurredAt");
    Objects.requireNonNull(payload, "payload");
  }

  /** A new event with a random id, typed by its payload. */
  public static <P> EventEnvelope<P> of(String key, Instant occurredAt, P payload) {
    EventType type =
        EventType.ofPayload(payload.getClass())
            .orElseThrow(
                () -> new IllegalArgumentException("not an event payload: " + payload.getClass()));
    return new EventEnvelope<>(
        UUID.randomUUID(), type.wireName(), type.schemaVersion(), key, occurredAt, payload);
  }

  /** The topic this event is published to. */
  public String topic() {
    return EventType.ofWireName(type).orElseThrow().topic();
  }
}
