package dev.permafrost.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.UUID;

/** Reads and writes event envelopes as JSON, checking type and schema version on the way in. */
public final class EventCodec {

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          // Additive changes only: a newer producer may add fields that this reader ignores.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private EventCodec() {}

  public static String toJson(EventEnvelope<?> envelope) {
    try {
      return MAPPER.writeValueAsString(envelope);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialize event " + envelope.eventId(), e);
    }
  }

  /**
   * Parses {@code json} as an event of {@code expected}.
   *
   * @throws MalformedEventException if it is not JSON, lacks a field, or is another type or an
   *     unknown schema version
   */
  public static <P> EventEnvelope<P> fromJson(String json, EventType expected) {
    if (json == null || json.isBlank()) {
      throw new MalformedEventException(
          "empty record where a " + expected.wireName() + " event was expected");
    }
    JsonNode tree;
    try {
      tree = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new MalformedEventException("record is not JSON: " + e.getOriginalMessage(), e);
    }
    String type = text(tree, "type");
    if (!expected.wireName().equals(type)) {
      throw new MalformedEventException(
          "expected event type " + expected.wireName() + " but got " + type);
    }
    int version = tree.path("schemaVersion").asInt(-1);
    if (version != expected.schemaVersion()) {
      throw new MalformedEventException(
          "unsupported schemaVersion "
              + version
              + " for "
              + type
              + "; this reader understands "
              + expected.schemaVersion());
    }
    try {
      @SuppressWarnings("unchecked")
      P payload = (P) MAPPER.treeToValue(required(tree, "payload"), expected.payloadType());
      return new EventEnvelope<>(
          UUID.fromString(text(tree, "eventId")),
          type,
          version,
          text(tree, "key"),
          Instant.parse(text(tree, "occurredAt")),
          payload);
    } catch (JsonProcessingException | RuntimeException e) {
      throw new MalformedEventException("invalid " + type + " event: " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode tree, String field) {
    return required(tree, field).asText();
  }

  private static JsonNode required(JsonNode tree, String field) {
    JsonNode node = tree.get(field);
    if (node == null || node.isNull()) {
      throw new MalformedEventException("event lacks the field '" + field + "'");
    }
    return node;
  }
}
