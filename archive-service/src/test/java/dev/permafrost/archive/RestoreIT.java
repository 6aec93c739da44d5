package dev.permafrost.archive;

import static dev.permafrost.archive.ArchiveFixtures.audited;
import static dev.permafrost.archive.ArchiveFixtures.connect;
import static dev.permafrost.archive.ArchiveFixtures.count;
import static dev.permafrost.archive.ArchiveFixtures.exportChunk;
import static dev.permafrost.archive.ArchiveFixtures.hotRows;
import static dev.permafrost.archive.ArchiveFixtures.publish;
import static dev.permafrost.archive.ArchiveFixtures.published;
import static dev.permafrost.archive.ArchiveFixtures.state;
import static dev.permafrost.archive.ArchiveFixtures.views;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.archive.domain.RestoreStatus;
import dev.permafrost.archive.service.ArchiveLifecycle;
import dev.permafrost.archive.service.Failpoints;
import dev.permafrost.archive.service.RestoreService;
import dev.permafrost.archive.service.TenantPurge;
import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.Topics;
import dev.permafrost.contracts.v1.PartitionReady;
import dev.permafrost.contracts.v1.RestoreRequested;
import dev.permafrost.contracts.v1.TenantPurgeRequested;
import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.support.config.Datasets;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Restores put back exactly what left, in one transaction per chunk, resume after a crash at any
 * step without a row lost or doubled, and refuse clearly what cannot be restored.
 */
@QuarkusTest
@QuarkusTestResource(DevStackTestResource.class)
class RestoreIT {

  /** Days of their own, apart from the other archive tests' days. */
  private static final LocalDate FIRST_DAY = LocalDate.now(ZoneOffset.UTC).minusDays(90);

  private static final LocalDate TYPES_DAY = FIRST_DAY.minusDays(1);

  @Inject ObjectStore store;
  @Inject ObjectKeys keys;
  @Inject Datasets datasets;
  @Inject ArchiveLifecycle lifecycle;
  @Inject RestoreService restores;
  @Inject Failpoints failpoints;
  @Inject TenantPurge purge;

  @BeforeAll
  static void loadDays() throws Exception {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      DemoData.createPageviewsTable(connection);
      DemoData.loadPageviews(connection, FIRST_DAY, 4, 800, 80_000_000, 5);
      statement.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
      statement.execute(
          """
          CREATE TABLE every_type (
              id bigint PRIMARY KEY, day date NOT NULL, s smallint, i integer, r real,
              d double precision, n numeric, n2 numeric(12, 3), b boolean, t text, v varchar(20),
              c char(3), j jsonb, js json, raw bytea, old date, local timestamp, at timestamptz,
              tm time, span interval, u uuid, ints integer[], texts text[], reals real[], m mood,
              ip inet, net cidr)
          """);
      statement.execute(
          "INSERT INTO every_type VALUES"
              + " (1, '"
              + TYPES_DAY
              + "', -32768, 2147483647, 1.5, -0.0, 123456789012345678901234567890.123456789,"
              + " 1.500, true, 'emoji 😀, combining e\u0301, RTL שלום, tab\there, back\\slash',"
              + " 'x', 'ab', '{\"a\": [1, null, \"é\"]}', '{\"b\":  2}', '\\x00ff2a5c0a',"
              + " '0044-03-15 BC', '2026-11-20 23:59:59.999999', '2026-11-21 00:00:00+00',"
              + " '23:59:59.999999', '1 year 2 mons 3 days 04:05:06.000007',"
              + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1, NULL, 3}',"
              + " '{\"a\", \"\", NULL, \"quote\\\"d\", \"back\\\\slash\", \"NULL\"}',"
              + " '{1.5, NaN, -Infinity}', 'happy', '192.168.0.1/24', '10.0.0.0/8'),"
              + " (2, '"
              + TYPES_DAY
              + "', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
              + " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
              + " (3, '"
              + TYPES_DAY
              + "', 0, 0, 'NaN', 'Infinity', 'NaN', 0, false, '', '', '', 'null', '[]', '',"
              + " '1970-01-01', '0001-01-01 00:00', '1969-12-31 23:59:59.5+00', '00:00',"
              + " '-1 mons -2 days -00:00:00.5', '00000000-0000-0000-0000-000000000000', '{}',"
              + " '{}', '{}', 'sad', '::ffff:1.2.3.4', '::/0'),"
              + " (4, '"
              + TYPES_DAY
              + "', 1, 1, 3.4028235e38, 1e-320, '-Infinity', -999999999.999, true, 'a', 'b',"
              + " 'c', '1e400', '\"s\"', '\\x', '9999-12-31', '1900-02-28 12:00:00.000001',"
              + " '9999-12-31 23:59:59.999999+00', '12:00', '-178000 years',"
              + " 'ffffffff-ffff-ffff-ffff-ffffffffffff', '{-2147483648}', '{\"\"}', '{NULL}', 'ok',"
              + " '::1', '1.2.3.0/24')");
    }
  }

  @Test
  void restoreAfterPruneGivesBackByteIdenticalRowsForEveryType() throws Exception {
    List<String> before = rowsAsText("public.every_type");
    EventEnvelope<PartitionReady> event =
        exportChunk(store, keys, datasets.find("every_type"), TYPES_DAY);
    assertThat(lifecycle.onPartitionReady(event)).isEqualTo(ChunkState.ACTIVE);
    assertThat(count("SELECT count(*) FROM public.every_type")).isZero();

    RestoreStatus done = restoreOverHttp("every_type", TYPES_DAY);
    assertThat(done.rowsRestored()).isEqualTo(4);
    assertThat(rowsAsText("public.every_type")).isEqualTo(before);
    assertThat(state(event)).isEqualTo("RESTORED");
    assertThat(audited("RESTORED", event)).isEqualTo(1);
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                published(Topics.PARTITION_RESTORED).stream()
                    .anyMatch(v -> v.contains(event.payload().chunkId().toString())));
  }

  @Test
  void anOffloadChunkNullsOnlyThePayloadOfItsRowsAndItsRestorePutsItBack() throws Exception {
    LocalDate month = LocalDate.now(ZoneOffset.UTC).minusMonths(7).withDayOfMonth(1);
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      DemoData.createOtherDatasetTables(connection);
      statement.execute(
          "INSERT INTO public.points (id, user_id, recorded_at, lat, lon, raw_data)"
              + " SELECT g, g % 7, timestamptz '"
              + month
              + " 00:00+00' + g * interval '1 minute', 52.5 + g / 1e4, 13.4 - g / 1e4,"
              + " CASE WHEN g % 10 = 0 THEN NULL ELSE jsonb_build_object('speed', g,"
              + " 'raw', repeat('x', 200), 'tags', jsonb_build_array('a', g)) END"
              + " FROM generate_series(1, 500) g");
    }
    List<String> before = rowsAsText("public.points");
    EventEnvelope<PartitionReady> event = exportChunk(store, keys, datasets.find("points"), month);
    // A point recorded after the export keeps its payload: it is not in the chunk.
    DevStackTestResource.current()
        .execute(
            "INSERT INTO public.points (id, user_id, recorded_at, lat, lon, raw_data) VALUES"
                + " (501, 1, timestamptz '"
                + month
                + " 12:00+00', 1, 2, '{\"late\": true}')");

    assertThat(lifecycle.onPartitionReady(event)).isEqualTo(ChunkState.ACTIVE);
    assertThat(count("SELECT count(*) FROM public.points")).isEqualTo(501);
    assertThat(
            count(
                "SELECT count(*) FROM public.points WHERE raw_data IS NULL AND archive_chunk = '"
                    + event.payload().chunkId()
                    + "'"))
        .isEqualTo(500);
    assertThat(count("SELECT count(*) FROM public.points WHERE raw_data ? 'late'")).isEqualTo(1);

    // Erasing a user rewrites the chunk; the offloaded rows follow their payload to the new one.
    long userRows = count("SELECT count(*) FROM public.points WHERE user_id = 3 AND id <= 500");
    purge.purge(new TenantPurgeRequested(UUID.randomUUID(), "3", "points", "test", "restore-it"));
    assertThat(state(event)).isEqualTo("SUPERSEDED");
    assertThat(count("SELECT count(*) FROM public.points WHERE user_id = 3")).isZero();

    RestoreStatus done = restoreOverHttp("points", month, month.plusMonths(1));
    assertThat(done.rowsRestored()).isEqualTo(500 - userRows);
    DevStackTestResource.current().execute("DELETE FROM public.points WHERE id = 501");
    assertThat(rowsAsText("public.points"))
        .isEqualTo(before.stream().filter(row -> !row.matches("\\(\\d+,3,.*")).toList());
  }

  @Test
  void aCrashAtAnyStepOfARestoreLosesNoRowAndCountsNoneTwice() throws Exception {
    List<String> crashPoints =
        List.of(Failpoints.RESTORE_AFTER_COPY, Failpoints.RESTORE_BEFORE_COMMIT);
    for (int i = 0; i < crashPoints.size(); i++) {
      String failpoint = crashPoints.get(i);
      LocalDate day = FIRST_DAY.plusDays(i);
      long rows = hotRows(day);
      long viewsBefore = views(day);
      EventEnvelope<PartitionReady> event = export(day);
      assertThat(lifecycle.onPartitionReady(event)).isEqualTo(ChunkState.ACTIVE);
      CountDownLatch crashed = new CountDownLatch(1);
      failpoints.arm(
          failpoint,
          () -> {
            crashed.countDown();
            throw new IllegalStateException("simulated crash at " + failpoint);
          });

      RestoreStatus started = restores.request(request("pageviews", day));
      assertThat(crashed.await(60, TimeUnit.SECONDS)).isTrue();
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> state(event).equals("ACTIVE") && hotRows(day) == 0);
      // Every row is in exactly one tier: the chunk is still ACTIVE and no row came back.
      assertThat(restores.status(started.requestId()).orElseThrow().state())
          .as("after a crash at %s", failpoint)
          .isEqualTo("RUNNING");

      RestoreStatus resumed = restores.run(started.requestId());
      assertThat(resumed.state()).isEqualTo("DONE");
      assertThat(resumed.chunksDone()).isEqualTo(1);
      assertThat(resumed.rowsRestored()).isEqualTo(rows);
      assertThat(hotRows(day)).isEqualTo(rows);
      assertThat(views(day)).isEqualTo(viewsBefore);
      assertThat(state(event)).isEqualTo("RESTORED");
      // Resumed once more, as a second replica might: nothing changes.
      assertThat(restores.run(started.requestId()).rowsRestored()).isEqualTo(rows);
      assertThat(hotRows(day)).isEqualTo(rows);
      assertThat(audited("RESTORED", event)).isEqualTo(1);
    }
  }

  @Test
  void aRestoreRequestedEventRestoresOnceHoweverOftenItArrives() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(2);
    long rows = hotRows(day);
    EventEnvelope<PartitionReady> ready = export(day);
    assertThat(lifecycle.onPartitionReady(ready)).isEqualTo(ChunkState.ACTIVE);
    RestoreRequested request = request("pageviews", day);
    EventEnvelope<RestoreRequested> event =
        EventEnvelope.of("pageviews/" + day, Instant.now(), request);
    publish(Topics.RESTORE_REQUESTED, event.key(), EventCodec.toJson(event));
    publish(Topics.RESTORE_REQUESTED, event.key(), EventCodec.toJson(event));

    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                restores
                    .status(request.requestId())
                    .map(s -> s.state().equals("DONE"))
                    .orElse(false));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> state(ready).equals("RESTORED"));
    assertThat(hotRows(day)).isEqualTo(rows);
    assertThat(audited("RESTORED", ready)).isEqualTo(1);
  }

  @Test
  void restoringWhatIsNotArchivedIsAConflictAndBadRequestsSayWhatIsAllowed() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(3); // exported by no test: its rows are all hot
    long hot = hotRows(day);
    given()
        .contentType(ContentType.JSON)
        .body(body("pageviews", day.toString(), day.plusDays(1).toString()))
        .post("/api/v1/restores")
        .then()
        .statusCode(409)
        .contentType("application/problem+json")
        .body("detail", containsString("only ACTIVE chunks can be restored"));
    given()
        .contentType(ContentType.JSON)
        .body(body("nope", day.toString(), day.plusDays(1).toString()))
        .post("/api/v1/restores")
        .then()
        .statusCode(400)
        .body("detail", containsString("allowed: "));
    given()
        .contentType(ContentType.JSON)
        .body(body("pageviews", "last week", day.toString()))
        .post("/api/v1/restores")
        .then()
        .statusCode(400)
        .body("detail", containsString("allowed: a date like 2026-11-20"));
    given().get("/api/v1/restores/" + UUID.randomUUID()).then().statusCode(404);
    assertThat(hotRows(day)).isEqualTo(hot);
  }

  private RestoreStatus restoreOverHttp(String dataset, LocalDate day) {
    return restoreOverHttp(dataset, day, day.plusDays(1));
  }

  private RestoreStatus restoreOverHttp(String dataset, LocalDate from, LocalDate to) {
    String id =
        given()
            .contentType(ContentType.JSON)
            .body(body(dataset, from.toString(), to.toString()))
            .post("/api/v1/restores")
            .then()
            .statusCode(202)
            .body("chunksTotal", equalTo(1))
            .extract()
            .path("requestId");
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> given().get("/api/v1/restores/" + id).then().extract().path("state"),
            s -> !"RUNNING".equals(s));
    RestoreStatus status = restores.status(UUID.fromString(id)).orElseThrow();
    assertThat(status.state()).as("error: %s", status.error()).isEqualTo("DONE");
    return status;
  }

  private EventEnvelope<PartitionReady> export(LocalDate day) throws Exception {
    return exportChunk(store, keys, datasets.find("pageviews"), day);
  }

  private static RestoreRequested request(String dataset, LocalDate day) {
    Instant from = day.atStartOfDay().toInstant(ZoneOffset.UTC);
    return new RestoreRequested(
        UUID.randomUUID(),
        dataset,
        from,
        from.plus(Duration.ofDays(1)),
        null,
        "test",
        "restore-it");
  }

  private static String body(String dataset, String from, String to) {
    return ArchiveFixtures.restoreBody(dataset, from, to, null);
  }

  /** Every row as PostgreSQL prints it: equal text means equal values, byte for byte. */
  private static List<String> rowsAsText(String table) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT t::text FROM " + table + " t ORDER BY id")) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }
}
