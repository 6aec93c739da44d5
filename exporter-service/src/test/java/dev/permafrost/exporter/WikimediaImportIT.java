package dev.permafrost.exporter;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.devstack.DumpServer;
import dev.permafrost.devstack.WikimediaDumps;
import dev.permafrost.exporter.ingest.ImportJob;
import dev.permafrost.exporter.ingest.WikimediaImports;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Wikimedia importer against generated dumps on a loopback HTTP server, loading into the real
 * PostgreSQL. Its hours lie in the hot window (more than a day, less than two days ago), so the
 * exporter leaves them alone, and clear of the last 24 hours, which the catch-up test owns.
 */
@QuarkusTest
@QuarkusTestResource(DevStackTestResource.class)
@QuarkusTestResource(DumpServerTestResource.class)
class WikimediaImportIT {

  private static final Instant FIRST_HOUR =
      Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(47));

  @Inject WikimediaImports imports;

  @BeforeAll
  static void createTable() throws Exception {
    try (Connection connection = DevStackTestResource.current().connect()) {
      DemoData.createOtherDatasetTables(connection);
    }
  }

  @Test
  void loadsAnHourOnceAndAnnouncesIt() throws Exception {
    Instant hour = hour(0);
    String text = WikimediaDumps.lines(hour, 200);
    byte[] file = publish(hour, text);

    JsonPath job = importAndAwait(hour, hour.plus(Duration.ofHours(1)), false);
    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(job.getInt("hoursImported")).isEqualTo(1);
    assertThat(job.getLong("linesRead")).isEqualTo(lineCount(text));
    assertThat(job.getLong("linesSkipped")).isZero();
    assertThat(job.getLong("bytesDownloaded")).isEqualTo(file.length);
    assertThat(viewsByDomainPage(hour)).isEqualTo(expectedViews(text));
    assertThat(importEvents(hour)).isEqualTo(1);

    // Again: skipped, nothing doubled. Forced: the hour's rows replaced, still not doubled.
    JsonPath again = importAndAwait(hour, hour.plus(Duration.ofHours(1)), false);
    assertThat(again.getInt("hoursSkipped")).isEqualTo(1);
    assertThat(again.getString("hours[0].outcome")).isEqualTo("SKIPPED");
    assertThat(DumpServerTestResource.server().requests(WikimediaDumps.relativePath(hour)))
        .isEqualTo(1);
    JsonPath forced = importAndAwait(hour, hour.plus(Duration.ofHours(1)), true);
    assertThat(forced.getInt("hoursImported")).isEqualTo(1);
    assertThat(forced.getLong("bytesDownloaded")).as("downloaded again").isEqualTo(file.length);
    assertThat(viewsByDomainPage(hour)).isEqualTo(expectedViews(text));
    assertThat(rows(hour)).isEqualTo(lineCount(text));
    assertThat(importEvents(hour)).isEqualTo(2);
  }

  @Test
  void aForcedImportIsRefusedWhileTheHourIsOnItsWayToTheStore() throws Exception {
    Instant hour = hour(9);
    String text = WikimediaDumps.lines(hour, 30);
    publish(hour, text);
    assertThat(importAndAwait(hour, hour.plus(Duration.ofHours(1)), false).getInt("hoursImported"))
        .isEqualTo(1);
    // As if the exporter had written the hour's chunk and the archive-service not registered it.
    try (Connection connection = DevStackTestResource.current().connect();
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO exporter.exported_partition (dataset, partition, sequence,"
                    + " partition_start, chunk_id, row_count, row_digest, bytes)"
                    + " VALUES ('wiki_pageviews', ?, 1, ?, gen_random_uuid(), ?, 'digest', 1)")) {
      insert.setString(1, hour.toString().substring(0, 13));
      insert.setTimestamp(2, Timestamp.from(hour));
      insert.setLong(3, lineCount(text));
      insert.executeUpdate();
    }
    int downloads = DumpServerTestResource.server().requests(WikimediaDumps.relativePath(hour));

    JsonPath refused = importAndAwait(hour, hour.plus(Duration.ofHours(1)), true);
    assertThat(refused.getString("state")).isEqualTo("FAILED");
    assertThat(refused.getString("hours[0].detail"))
        .contains("1 exported, not registered yet", "restore the hour first");
    assertThat(DumpServerTestResource.server().requests(WikimediaDumps.relativePath(hour)))
        .as("nothing downloaded")
        .isEqualTo(downloads);
    assertThat(viewsByDomainPage(hour)).isEqualTo(expectedViews(text));
    assertThat(importEvents(hour)).isEqualTo(1);
  }

  @Test
  void downloadsACorruptFileAgainAndFailsTheHourWhenItStaysCorrupt() throws Exception {
    DumpServer server = DumpServerTestResource.server();
    Instant hour = hour(2);
    String text = WikimediaDumps.lines(hour, 100);
    byte[] file = WikimediaDumps.gzip(text);
    byte[] truncated = Arrays.copyOf(file, file.length / 2);
    server.answerOnce(WikimediaDumps.relativePath(hour), truncated);
    server.publish(WikimediaDumps.relativePath(hour), file);

    JsonPath job = importAndAwait(hour, hour.plus(Duration.ofHours(1)), false);
    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(server.requests(WikimediaDumps.relativePath(hour))).isEqualTo(2);
    assertThat(job.getLong("bytesDownloaded")).isEqualTo(truncated.length + file.length);
    assertThat(viewsByDomainPage(hour)).isEqualTo(expectedViews(text));

    Instant broken = hour(3);
    byte[] corrupt = WikimediaDumps.gzip(WikimediaDumps.lines(broken, 100));
    corrupt[corrupt.length / 2] ^= 0x55;
    server.publish(WikimediaDumps.relativePath(broken), corrupt);
    JsonPath failed = importAndAwait(broken, broken.plus(Duration.ofHours(1)), false);
    assertThat(failed.getString("state")).isEqualTo("FAILED");
    assertThat(failed.getInt("hoursFailed")).isEqualTo(1);
    assertThat(failed.getString("hours[0].detail"))
        .contains("no intact dump", WikimediaDumps.relativePath(broken), "in 4 attempts");
    assertThat(server.requests(WikimediaDumps.relativePath(broken))).isEqualTo(4);
    assertThat(rows(broken)).isZero();
  }

  @Test
  void anHourNotPublishedYetIsNotAnErrorAndIsImportedLater() throws Exception {
    Instant hour = hour(5);
    JsonPath early = importAndAwait(hour, hour.plus(Duration.ofHours(1)), false);
    assertThat(early.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(early.getInt("hoursNotPublished")).isEqualTo(1);
    assertThat(early.getString("hours[0].outcome")).isEqualTo("NOT_PUBLISHED");
    assertThat(rows(hour)).isZero();

    String text = WikimediaDumps.lines(hour, 50);
    publish(hour, text);
    JsonPath later = importAndAwait(hour, hour.plus(Duration.ofHours(1)), false);
    assertThat(later.getInt("hoursImported")).isEqualTo(1);
    assertThat(viewsByDomainPage(hour)).isEqualTo(expectedViews(text));
  }

  @Test
  void keepsAnyUnicodeTitleAndSkipsMalformedLines() throws Exception {
    Instant hour = hour(7);
    String good =
        """
        ja 東京都_(テスト) 12 0
        ru Москва 7 1234
        en C:\\Program_Files\\tab\there 3 0
        en 😀_emoji 2 0
        """;
    ByteArrayOutputStream dump = new ByteArrayOutputStream();
    dump.writeBytes(good.getBytes(StandardCharsets.UTF_8));
    dump.writeBytes("en three_fields 5\n".getBytes(StandardCharsets.UTF_8));
    dump.writeBytes("en Page x 0\n".getBytes(StandardCharsets.UTF_8));
    dump.writeBytes("en Zero_views 0 0\n".getBytes(StandardCharsets.UTF_8));
    dump.writeBytes("\n".getBytes(StandardCharsets.UTF_8));
    dump.writeBytes(new byte[] {'d', 'e', ' ', (byte) 0xC3, (byte) 0x28, ' ', '1', ' ', '0', '\n'});
    DumpServerTestResource.server()
        .publish(WikimediaDumps.relativePath(hour), gzip(dump.toByteArray()));

    JsonPath job = importAndAwait(hour, hour.plus(Duration.ofHours(1)), false);
    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(job.getLong("linesRead")).isEqualTo(9);
    assertThat(job.getLong("linesSkipped")).isEqualTo(5);
    assertThat(job.getLong("rowsLoaded")).isEqualTo(4);
    assertThat(viewsByDomainPage(hour)).isEqualTo(expectedViews(good));
  }

  @Test
  void catchUpImportsTheRecentHoursNotImportedYet() {
    Instant current = Instant.now().truncatedTo(ChronoUnit.HOURS);
    Instant published = current.minus(Duration.ofHours(3));
    publish(published, WikimediaDumps.lines(published, 20));

    ImportJob job = imports.catchUp().orElseThrow();
    assertThat(job.trigger()).isEqualTo(ImportJob.Trigger.CATCH_UP);
    JsonPath done = awaitJob(job.id().toString());
    assertThat(done.getInt("hoursImported")).isEqualTo(1);
    assertThat(done.getInt("hoursNotPublished")).isEqualTo(done.getInt("hoursTotal") - 1);

    // The next run looks only at hours still missing.
    ImportJob next = imports.catchUp().orElseThrow();
    JsonPath nextDone = awaitJob(next.id().toString());
    assertThat(nextDone.getList("hours.hour", String.class)).doesNotContain(published.toString());
    assertThat(nextDone.getInt("hoursImported")).isZero();
  }

  @Test
  void refusesBadRangesWithAnExplanation() {
    Instant current = Instant.now().truncatedTo(ChronoUnit.HOURS);
    rejects(null, null, "from is required");
    rejects(hour(0).plusSeconds(60).toString(), hour(1).toString(), "must be a whole hour");
    rejects(current.toString(), current.plus(Duration.ofHours(1)).toString(), "at most " + current);
    rejects("2020-01-01", "2022-01-01", "at most 8784");
    given()
        .contentType(ContentType.JSON)
        .post("/api/v1/imports/wikimedia")
        .then()
        .statusCode(400)
        .body("detail", containsString("a JSON body {from, to, force} is required"));
    given().get("/api/v1/imports/wikimedia/not-a-uuid").then().statusCode(400);
  }

  private static void rejects(String from, String to, String reason) {
    Map<String, Object> body = new HashMap<>();
    body.put("from", from);
    body.put("to", to);
    given()
        .contentType(ContentType.JSON)
        .body(body)
        .post("/api/v1/imports/wikimedia")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("detail", containsString(reason));
  }

  private static Instant hour(int n) {
    return FIRST_HOUR.plus(Duration.ofHours(n));
  }

  private static byte[] publish(Instant hour, String text) {
    byte[] file = WikimediaDumps.gzip(text);
    DumpServerTestResource.server().publish(WikimediaDumps.relativePath(hour), file);
    return file;
  }

  private static byte[] gzip(byte[] content) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (var out = new java.util.zip.GZIPOutputStream(bytes)) {
      out.write(content);
    }
    return bytes.toByteArray();
  }

  private static JsonPath importAndAwait(Instant from, Instant to, boolean force) {
    String id =
        given()
            .contentType(ContentType.JSON)
            .body(Map.of("from", from.toString(), "to", to.toString(), "force", force))
            .post("/api/v1/imports/wikimedia")
            .then()
            .statusCode(202)
            .extract()
            .path("id");
    return awaitJob(id);
  }

  private static JsonPath awaitJob(String id) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> !"RUNNING".equals(given().get("/api/v1/imports/wikimedia/" + id).path("state")));
    return given().get("/api/v1/imports/wikimedia/" + id).then().extract().jsonPath();
  }

  private static long lineCount(String text) {
    return text.lines().count();
  }

  /** Domain and title to views, as the dump's lines say. */
  private static Map<String, Long> expectedViews(String text) {
    Map<String, Long> views = new HashMap<>();
    for (String line : text.lines().toList()) {
      String[] fields = line.split(" ");
      views.merge(fields[0] + " " + fields[1], Long.parseLong(fields[2]), Long::sum);
    }
    return views;
  }

  private static Map<String, Long> viewsByDomainPage(Instant hour) throws Exception {
    Map<String, Long> views = new HashMap<>();
    try (Connection connection = DevStackTestResource.current().connect();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT domain, page, sum(views) FROM public.wiki_pageviews WHERE hour = ?"
                    + " GROUP BY domain, page")) {
      select.setTimestamp(1, Timestamp.from(hour));
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          views.put(rs.getString(1) + " " + rs.getString(2), rs.getLong(3));
        }
      }
    }
    return views;
  }

  private static long rows(Instant hour) throws Exception {
    return count("SELECT count(*) FROM public.wiki_pageviews WHERE hour = ?", hour);
  }

  /** import-completed events for the hour in the exporter's outbox. */
  private static long importEvents(Instant hour) throws Exception {
    return count(
        "SELECT count(*) FROM exporter.outbox WHERE topic = 'permafrost.import-completed'"
            + " AND event_key = 'wiki_pageviews/' || ?",
        hour.toString());
  }

  private static long count(String sql, Object parameter) throws Exception {
    try (Connection connection = DevStackTestResource.current().connect();
        PreparedStatement select = connection.prepareStatement(sql)) {
      if (parameter instanceof Instant instant) {
        select.setTimestamp(1, Timestamp.from(instant));
      } else {
        select.setObject(1, parameter);
      }
      try (ResultSet rs = select.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
