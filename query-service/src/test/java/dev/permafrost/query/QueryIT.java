package dev.permafrost.query;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStack;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.PartitionExporter;
import dev.permafrost.format.PgTables;
import dev.permafrost.support.config.Datasets;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(DevStackTestResource.class)
class QueryIT {

  private static final LocalDate FIRST_DAY = LocalDate.now(ZoneOffset.UTC).minusDays(30);
  private static final LocalDate LAST_DAY = FIRST_DAY.plusDays(2);

  @Inject ObjectStore store;
  @Inject ObjectKeys keys;
  @Inject Datasets datasets;

  @BeforeAll
  static void loadAndMigrateTheCatalog() throws Exception {
    DevStack stack = DevStackTestResource.current();
    // The catalog belongs to the archive-service; migrate it with that service's own scripts.
    Flyway.configure()
        .dataSource(stack.jdbcUrl(), stack.databaseUser(), stack.databasePassword())
        .schemas("archive")
        .locations(
            "classpath:db/support", "filesystem:../archive-service/src/main/resources/db/migration")
        .load()
        .migrate();
    try (Connection connection = connect()) {
      DemoData.createPageviewsTable(connection);
      connection.createStatement().execute("TRUNCATE public.pageviews");
      DemoData.loadPageviews(connection, FIRST_DAY, 3, 3_000, 1, 11);
    }
  }

  @Test
  void answersTheSameBeforeAndAfterDaysMoveToTheColdTier() throws Exception {
    Map<String, Long> oracleProject1 = oracle(1);
    Map<String, Long> oracleAll = oracle(null);
    assertThat(totals("project=1")).isEqualTo(oracleProject1).hasSize(3);

    archive(FIRST_DAY);
    archive(FIRST_DAY.plusDays(1));

    JsonPath answer = answer("project=1");
    assertThat(answer.getInt("coldChunks")).isEqualTo(2);
    assertThat(totals("project=1")).isEqualTo(oracleProject1);
    assertThat(totals("tenant=1")).isEqualTo(oracleProject1);
    assertThat(totals("")).isEqualTo(oracleAll);
    assertThat(count("SELECT count(*) FROM public.pageviews WHERE date < '" + LAST_DAY + "'"))
        .isZero();
  }

  @Test
  void aColdChunkThatCannotBeReadFailsTheRequestWith503NamingThePartition() throws Exception {
    LocalDate day = FIRST_DAY.minusDays(5);
    UUID chunkId = UUID.randomUUID();
    registerActiveChunk(
        chunkId, day, "cold/pageviews/missing-" + chunkId + ".parquet", "0".repeat(64), 10);
    try {
      given()
          .get("/api/v1/datasets/pageviews/daily-totals?project=1&from=" + day + "&to=" + LAST_DAY)
          .then()
          .statusCode(503)
          .contentType("application/problem+json")
          .body("detail", containsString("partition " + day));
    } finally {
      execute("UPDATE archive.chunk SET state = 'SUPERSEDED' WHERE chunk_id = '" + chunkId + "'");
    }
  }

  @Test
  void badRequestsGetProblemsThatSayWhatIsAllowed() {
    String url = "/api/v1/datasets/pageviews/daily-totals";
    given()
        .get(url + "?project=1&from=2026-02-01&to=2026-01-01")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("detail", containsString("must not be after"));
    given()
        .get(url + "?project=1&from=last-week&to=2026-01-01")
        .then()
        .statusCode(400)
        .body("detail", containsString("a date like"));
    given()
        .get(url + "?project=1&to=2026-01-01")
        .then()
        .statusCode(400)
        .body("detail", containsString("from is required"));
    given()
        .get(url + "?project=abc&from=2026-01-01&to=2026-01-02")
        .then()
        .statusCode(400)
        .body("detail", containsString("integer"));
    given()
        .get("/api/v1/datasets/nope/daily-totals?from=2026-01-01&to=2026-01-02")
        .then()
        .statusCode(404)
        .body(
            "detail",
            containsString(
                "configured datasets: [agent_tasks, logs, pageviews, points, wiki_pageviews]"));
    given()
        .get(url + "?project=1&from=2000-01-01&to=2026-01-02")
        .then()
        .statusCode(400)
        .body("status", equalTo(400))
        .body("detail", containsString("longer than the allowed"));
  }

  /** Does what the archive-service's prune does: rows out, ACTIVE chunk in, one transaction. */
  private void archive(LocalDate day) throws Exception {
    PartitionExporter exporter = new PartitionExporter(store, keys, Clock.systemUTC());
    try (Connection connection = connect()) {
      connection.setAutoCommit(false);
      Manifest manifest =
          exporter.export(
              connection,
              datasets.find("pageviews"),
              PgTables.readSchema(connection, "public.pageviews"),
              day.atStartOfDay().toInstant(ZoneOffset.UTC),
              1);
      Manifest.StoredObject object = manifest.objects().get(0);
      registerActiveChunk(
          connection, manifest.chunkId(), day, object.key(), object.sha256(), object.bytes());
      try (PreparedStatement delete =
          connection.prepareStatement("DELETE FROM public.pageviews WHERE date = ?")) {
        delete.setObject(1, day);
        assertThat(delete.executeUpdate()).isEqualTo(manifest.rowCount());
      }
      connection.commit();
    }
  }

  private static void registerActiveChunk(
      UUID chunkId, LocalDate day, String key, String sha, long bytes) throws Exception {
    try (Connection connection = connect()) {
      registerActiveChunk(connection, chunkId, day, key, sha, bytes);
    }
  }

  private static void registerActiveChunk(
      Connection connection, UUID chunkId, LocalDate day, String key, String sha, long bytes)
      throws Exception {
    try (PreparedStatement chunk =
            connection.prepareStatement(
                "INSERT INTO archive.chunk (chunk_id, dataset, partition, partition_start, partition_end, sequence,"
                    + " state, manifest_key, row_count, row_digest, bytes)"
                    + " VALUES (?, 'pageviews', ?, ?, ?, 1, 'ACTIVE', 'unused', 0, 'unused', ?)");
        PreparedStatement object =
            connection.prepareStatement(
                "INSERT INTO archive.chunk_object VALUES (?, 1, ?, ?, ?, 0)")) {
      chunk.setObject(1, chunkId);
      chunk.setString(2, day.toString());
      chunk.setTimestamp(3, Timestamp.from(day.atStartOfDay().toInstant(ZoneOffset.UTC)));
      chunk.setTimestamp(
          4, Timestamp.from(day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC)));
      chunk.setLong(5, bytes);
      chunk.executeUpdate();
      object.setObject(1, chunkId);
      object.setString(2, key);
      object.setLong(3, bytes);
      object.setString(4, sha);
      object.executeUpdate();
    }
  }

  private static JsonPath answer(String filter) {
    return given()
        .get(
            "/api/v1/datasets/pageviews/daily-totals?from="
                + FIRST_DAY
                + "&to="
                + LAST_DAY
                + (filter.isEmpty() ? "" : "&" + filter))
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }

  private static Map<String, Long> totals(String filter) {
    Map<String, Long> totals = new LinkedHashMap<>();
    List<Map<String, Object>> days = answer(filter).getList("totals");
    for (Map<String, Object> day : days) {
      totals.put((String) day.get("day"), ((Number) day.get("total")).longValue());
    }
    return totals;
  }

  /** The same question asked of PostgreSQL while every row is still hot. */
  private static Map<String, Long> oracle(Integer project) throws Exception {
    Map<String, Long> totals = new LinkedHashMap<>();
    try (Connection connection = connect();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT date, sum(view_count) FROM public.pageviews WHERE date BETWEEN ? AND ?"
                    + (project == null ? "" : " AND project_id = " + project)
                    + " GROUP BY date ORDER BY date")) {
      select.setObject(1, FIRST_DAY);
      select.setObject(2, LAST_DAY);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          totals.put(rs.getString(1), rs.getLong(2));
        }
      }
    }
    return totals;
  }

  private static long count(String sql) throws Exception {
    return DevStackTestResource.current().queryLong(sql);
  }

  private static void execute(String sql) throws Exception {
    DevStackTestResource.current().execute(sql);
  }

  private static Connection connect() throws Exception {
    return DevStackTestResource.current().connect();
  }
}
