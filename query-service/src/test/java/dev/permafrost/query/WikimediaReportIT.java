package dev.permafrost.query;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.devstack.WikimediaDumps;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.support.config.Datasets;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Wikimedia report over one archived and one hot hour of generated dumps, compared with a
 * brute-force computation over the dumps' own lines.
 */
@QuarkusTest
@QuarkusTestResource(DevStackTestResource.class)
class WikimediaReportIT {

  private static final Instant COLD_HOUR = Instant.parse("2026-03-14T10:00:00Z");
  private static final Instant HOT_HOUR = COLD_HOUR.plus(Duration.ofHours(1));
  private static final Path DENY_LIST = Path.of("target", "wikimedia-deny-list.txt");
  private static final String DENIED = "en Albert_Einstein_1\nja Café_Müller_2\n";

  @Inject ObjectStore store;
  @Inject ObjectKeys keys;
  @Inject Datasets datasets;

  @BeforeAll
  static void writeDenyList() throws Exception {
    Files.createDirectories(DENY_LIST.getParent());
    Files.writeString(DENY_LIST, "# pages no report may show\n" + DENIED);
  }

  @AfterEach
  void restoreDenyList() throws Exception {
    writeDenyList();
    given().post("/api/v1/reports/wikimedia/deny-list/refresh").then().statusCode(200);
  }

  @Test
  void reportsOfAnArchivedHourAHotHourAndTheirDayEqualABruteForceOverTheDumps() throws Exception {
    loadOnce();
    String cold = WikimediaDumps.lines(COLD_HOUR, 120);
    String hot = WikimediaDumps.lines(HOT_HOUR, 120);

    JsonPath coldReport = report("hour=2026-03-14T10");
    assertThat(entries(coldReport)).isEqualTo(bruteForce(cold));
    assertThat(coldReport.getInt("coldChunks")).isEqualTo(1);
    assertThat(coldReport.getString("denyList.source")).isEqualTo(DENY_LIST.toString());
    assertThat(coldReport.getInt("denyList.entries")).isEqualTo(2);

    assertThat(entries(report("hour=2026-03-14T11:00:00Z"))).isEqualTo(bruteForce(hot));
    JsonPath day = report("day=2026-03-14");
    assertThat(entries(day)).isEqualTo(bruteForce(cold + hot));
    assertThat(day.getInt("domains")).isEqualTo(WikimediaDumps.DOMAINS.size());
    assertThat(entries(day))
        .noneMatch(e -> e.startsWith("en ") && e.contains(" Albert_Einstein_1 "));
  }

  @Test
  void theTextFormIsOneLinePerPageAndIsWrittenOnceToTheStore() throws Exception {
    loadOnce();
    String text =
        given()
            .get("/api/v1/reports/wikimedia/top?hour=2026-03-14T10&format=text")
            .then()
            .statusCode(200)
            .contentType(containsString("text/plain"))
            .extract()
            .asString();
    List<String> lines = text.lines().toList();
    assertThat(lines.get(0))
        .isEqualTo(
            "# permafrost wikimedia top 25 pages per domain, hour 2026-03-14T10:00:00Z to"
                + " 2026-03-14T11:00:00Z");
    assertThat(lines.get(1)).startsWith("# deny-list " + DENY_LIST + " sha256 ");
    assertThat(lines.subList(3, lines.size()))
        .isEqualTo(bruteForce(WikimediaDumps.lines(COLD_HOUR, 120)));

    JsonPath written =
        given()
            .post("/api/v1/reports/wikimedia/top?hour=2026-03-14T10")
            .then()
            .statusCode(201)
            .extract()
            .jsonPath();
    String key = written.getString("key");
    assertThat(key).startsWith("reports/wikimedia/top/hour=2026-03-14T10/").endsWith(".txt");
    assertThat(new String(store.getBytes(key), StandardCharsets.UTF_8)).isEqualTo(text);
    given()
        .post("/api/v1/reports/wikimedia/top?hour=2026-03-14T10")
        .then()
        .statusCode(201)
        .body("key", org.hamcrest.Matchers.equalTo(key));
  }

  @Test
  void aRefreshedDenyListChangesTheReportAndABrokenOneKeepsTheLastGoodOne() throws Exception {
    loadOnce();
    Files.writeString(DENY_LIST, "en Main_Page_10\n");
    given()
        .post("/api/v1/reports/wikimedia/deny-list/refresh")
        .then()
        .statusCode(200)
        .body("entries", org.hamcrest.Matchers.equalTo(1));
    List<String> entries = entries(report("hour=2026-03-14T10"));
    assertThat(entries).anyMatch(e -> e.startsWith("en 1 Albert_Einstein_1 "));
    assertThat(entries).noneMatch(e -> e.startsWith("en ") && e.contains(" Main_Page_10 "));
    assertThat(entries)
        .as("other domains' pages of that title")
        .anyMatch(e -> e.startsWith("de ") && e.contains(" Main_Page_10 "));

    Files.writeString(DENY_LIST, "en Main_Page_10 extra-field\n");
    given()
        .post("/api/v1/reports/wikimedia/deny-list/refresh")
        .then()
        .statusCode(503)
        .contentType("application/problem+json")
        .body("detail", containsString("line 1 is 'en Main_Page_10 extra-field'"));
    given()
        .get("/api/v1/reports/wikimedia/deny-list")
        .then()
        .body("entries", org.hamcrest.Matchers.equalTo(1));
  }

  @Test
  void refusesAnUnclearPeriodOrFormat() {
    rejects("", "give exactly one of hour");
    rejects("?hour=2026-03-14T10&day=2026-03-14", "give exactly one of hour");
    rejects("?hour=2026-03-14T10:30:00Z", "must be a whole hour");
    rejects("?hour=yesterday", "'yesterday' is not a valid hour");
    rejects("?day=2026-02-30", "is not a valid day");
    rejects("?day=2026-03-14&format=xml", "allowed: json, text");
  }

  private static void rejects(String query, String reason) {
    given()
        .get("/api/v1/reports/wikimedia/top" + query)
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("detail", containsString(reason));
  }

  private static JsonPath report(String query) {
    return given()
        .get("/api/v1/reports/wikimedia/top?" + query)
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }

  private static List<String> entries(JsonPath report) {
    List<Map<String, Object>> entries = report.getList("entries");
    return entries.stream()
        .map(
            e ->
                e.get("domain") + " " + e.get("rank") + " " + e.get("title") + " " + e.get("views"))
        .toList();
  }

  /** The report's lines computed straight from dump text, with the test's deny-list. */
  private static List<String> bruteForce(String dumpText) {
    return WikimediaDumps.topPages(dumpText, DENIED.lines().collect(Collectors.toSet()));
  }

  private static boolean loaded;

  /** Loads both hours and archives the first, as the importer and a prune would. */
  private synchronized void loadOnce() throws Exception {
    if (loaded) {
      return;
    }
    QueryFixtures.migrateCatalog();
    try (Connection connection = QueryFixtures.connect()) {
      DemoData.createOtherDatasetTables(connection);
      insert(connection, COLD_HOUR, WikimediaDumps.lines(COLD_HOUR, 120));
      insert(connection, HOT_HOUR, WikimediaDumps.lines(HOT_HOUR, 120));
      connection.setAutoCommit(false);
      Manifest manifest =
          QueryFixtures.export(
              connection, store, keys, datasets.find("wiki_pageviews"), COLD_HOUR, 1);
      QueryFixtures.registerActiveChunk(connection, "wiki_pageviews", manifest);
      try (PreparedStatement delete =
          connection.prepareStatement("DELETE FROM public.wiki_pageviews WHERE hour = ?")) {
        delete.setTimestamp(1, Timestamp.from(COLD_HOUR));
        assertThat((long) delete.executeUpdate()).isEqualTo(manifest.rowCount());
      }
      connection.commit();
    }
    loaded = true;
  }

  private static void insert(Connection connection, Instant hour, String dumpText)
      throws Exception {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO public.wiki_pageviews (hour, domain, page, views, bytes)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      for (String line : dumpText.lines().toList()) {
        String[] fields = line.split(" ");
        insert.setTimestamp(1, Timestamp.from(hour));
        insert.setString(2, fields[0]);
        insert.setString(3, fields[1]);
        insert.setInt(4, Integer.parseInt(fields[2]));
        insert.setLong(5, Long.parseLong(fields[3]));
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }
}
