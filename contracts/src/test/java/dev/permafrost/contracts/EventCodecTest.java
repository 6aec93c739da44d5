package dev.permafrost.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.permafrost.contracts.v1.ChunkObject;
import dev.permafrost.contracts.v1.ImportCompleted;
import dev.permafrost.contracts.v1.PartitionArchived;
import dev.permafrost.contracts.v1.PartitionReady;
import dev.permafrost.contracts.v1.PartitionRestored;
import dev.permafrost.contracts.v1.RestoreRequested;
import dev.permafrost.contracts.v1.TenantPurgeRequested;
import dev.permafrost.contracts.v1.TenantPurged;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EventCodecTest {

  private static final UUID EVENT_ID = UUID.fromString("8d0f5f8e-3c1b-4a57-9a43-6b0e6f1d2c11");
  private static final UUID CHUNK_ID = UUID.fromString("1b4e28ba-2fa1-11d2-883f-0016d3cca427");
  private static final Instant AT = Instant.parse("2026-11-21T01:00:05Z");
  private static final Instant DAY = Instant.parse("2026-11-20T00:00:00Z");
  private static final Instant NEXT_DAY = Instant.parse("2026-11-21T00:00:00Z");
  private static final String KEY = "pageviews/2026-11-20";

  static Stream<Arguments> goldenEvents() {
    return Stream.of(
        golden(
            EventType.PARTITION_READY,
            new PartitionReady(
                CHUNK_ID,
                "pageviews",
                "2026-11-20",
                DAY,
                NEXT_DAY,
                1,
                "cold/_manifests/pageviews/" + CHUNK_ID + ".json",
                List.of(
                    new ChunkObject(
                        "cold/pageviews/year=2026/month=11/day=20/chunk-" + CHUNK_ID + "-1.parquet",
                        1_048_576,
                        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                        33_000)),
                33_000,
                "0c1d2e3f405162738495a6b7c8d9eaf1")),
        golden(
            EventType.RESTORE_REQUESTED,
            new RestoreRequested(
                UUID.fromString("4b6f3a52-7f55-4c8e-a4c4-0d5e3f2b1a90"),
                "points",
                DAY,
                NEXT_DAY,
                "user-42",
                "data fix",
                "ops@example.com")),
        golden(EventType.IMPORT_COMPLETED, new ImportCompleted("pageviews", DAY, NEXT_DAY, null)),
        golden(
            EventType.PARTITION_ARCHIVED,
            new PartitionArchived(
                CHUNK_ID, "pageviews", "2026-11-20", 33_000, "0c1d2e3f405162738495a6b7c8d9eaf1")),
        golden(
            EventType.PARTITION_RESTORED,
            new PartitionRestored(List.of(CHUNK_ID), "pageviews", "2026-11-20", 33_000)),
        golden(
            EventType.TENANT_PURGE_REQUESTED,
            new TenantPurgeRequested(
                UUID.fromString("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"),
                "user-42",
                null,
                "erasure request 2026-117",
                "dpo@example.com")),
        golden(
            EventType.TENANT_PURGED,
            new TenantPurged(
                UUID.fromString("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"),
                "points",
                "user-42",
                120,
                4_800,
                List.of(CHUNK_ID))));
  }

  private static Arguments golden(EventType type, Object payload) {
    return Arguments.of(type, new EventEnvelope<>(EVENT_ID, type.wireName(), 1, KEY, AT, payload));
  }

  @ParameterizedTest
  @MethodSource("goldenEvents")
  void goldenFixtureDecodesToTheExpectedEvent(EventType type, EventEnvelope<?> expected)
      throws IOException {
    assertThat(EventCodec.<Object>fromJson(fixture(type), type)).isEqualTo(expected);
  }

  @ParameterizedTest
  @MethodSource("goldenEvents")
  void eventEncodesToTheGoldenFixture(EventType type, EventEnvelope<?> expected)
      throws IOException {
    ObjectMapper json = new ObjectMapper();
    assertThat(json.readTree(EventCodec.toJson(expected))).isEqualTo(json.readTree(fixture(type)));
  }

  @Test
  void envelopeOfAPayloadCarriesItsTypeVersionAndTopic() {
    EventEnvelope<ImportCompleted> event =
        EventEnvelope.of(KEY, AT, new ImportCompleted("pageviews", DAY, NEXT_DAY, "acme"));
    assertThat(event.type()).isEqualTo("import-completed");
    assertThat(event.schemaVersion()).isEqualTo(1);
    assertThat(event.topic()).isEqualTo(Topics.IMPORT_COMPLETED);
    assertThat(
            EventCodec.<ImportCompleted>fromJson(
                EventCodec.toJson(event), EventType.IMPORT_COMPLETED))
        .isEqualTo(event);
  }

  @Test
  void unknownFieldsAreIgnoredSoThatAdditiveChangesStayCompatible() throws IOException {
    String withExtraField =
        fixture(EventType.IMPORT_COMPLETED)
            .replace("\"dataset\"", "\"addedLater\": 7, \"dataset\"");
    assertThat(
            EventCodec.<ImportCompleted>fromJson(withExtraField, EventType.IMPORT_COMPLETED)
                .payload()
                .dataset())
        .isEqualTo("pageviews");
  }

  @Test
  void rejectsWhatIsNotAValidEventOfTheExpectedTypeAndVersion() throws IOException {
    String ready = fixture(EventType.PARTITION_READY);
    assertThatThrownBy(() -> EventCodec.fromJson("not json", EventType.PARTITION_READY))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("not JSON");
    assertThatThrownBy(() -> EventCodec.fromJson(ready, EventType.IMPORT_COMPLETED))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("expected event type import-completed");
    assertThatThrownBy(
            () ->
                EventCodec.fromJson(
                    ready.replace("\"schemaVersion\" : 1", "\"schemaVersion\" : 2"),
                    EventType.PARTITION_READY))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("unsupported schemaVersion 2");
    assertThatThrownBy(
            () ->
                EventCodec.fromJson(
                    ready.replace("\"chunkId\"", "\"chunkIdentifier\""), EventType.PARTITION_READY))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("chunkId");
    assertThatThrownBy(() -> EventCodec.fromJson("", EventType.PARTITION_READY))
        .isInstanceOf(MalformedEventException.class);
  }

  private static String fixture(EventType type) throws IOException {
    String name = "/golden/" + type.wireName() + ".v" + type.schemaVersion() + ".json";
    try (InputStream in = EventCodecTest.class.getResourceAsStream(name)) {
      assertThat(in).as("fixture %s", name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
