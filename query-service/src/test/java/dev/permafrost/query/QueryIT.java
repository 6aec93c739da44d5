package dev.permafrost.query;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.support.config.Datasets;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
    QueryFixtures.migrateCatalog();
    try (Connection connection = connect()) {
      DemoData.createPageviewsTable(connection);
      connection.createStatement().execute("TRUNCATE public.pageviews");
      DemoData.loadPageviews(connection, FIRST_DAY, 3, 3_000, 1, 11);
    }
  }

  @Test
  void answersTheSameBeforeAndAfterDaysMoveToTheColdTier() throws Exception {
    Map<String, Long> oracleProject1 = oracle(1);
    Map<String, Long> oracleProject2 = oracle(2);
    Map<String, Long> oracleAll = oracle(null);
    assertThat(totals("project=1")).isEqualTo(oracleProject1).hasSize(3);

    archive(FIRST_DAY);
    archive(FIRST_DAY.plusDays(1));

    JsonPath answer = answer("project=1");
    assertThat(answer.getInt("coldChunks")).isEqualTo(2);
    assertThat(totals("project=1")).isEqualTo(oracleProject1);
    assertThat(totals("tenant=1")).isEqualTo(oracleProject1);
    // Two tenants: any of them, each day the sum of both.
    Map<String, Long> both = totals("tenant=1&tenant=2");
    oracleProject1.forEach(
        (day, total) ->
            assertThat(both.get(day)).isEqualTo(total + oracleProject2.getOrDefault(day, 0L)));
    assertThat(totals("")).isEqualTo(oracleAll);
    assertThat(count("SELECT count(*) FROM public.pageviews WHERE date < '" + LAST_DAY + "'"))
        .isZero();
  }

  @Test
  void aColdChunkThatCannotBeReadFailsTheRequestWith503NamingThePartition() throws Exception {
    LocalDate day = FIRST_DAY.minusDays(5);
    UUID chunkId = UUID.randomUUID();
    try (Connection connection = connect()) {
      QueryFixtures.registerActiveChunk(
          connection,
          "pageviews",
          chunkId,
          day.toString(),
          day.atStartOfDay().toInstant(ZoneOffset.UTC),
          day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC),
          1,
          1,
          List.<Object[]>of(
              new Object[] {
                "cold/pageviews/missing-" + chunkId + ".parquet", 10L, "0".repeat(64), 1L
              }));
    }
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
                "configured datasets: [agent_tasks, diff_pageviews, logs, pageviews, points, wiki_pageviews]"));
    given()
        .get(url + "?project=1&from=2000-01-01&to=2026-01-02")
        .then()
        .statusCode(400)
        .body("status", equalTo(400))
        .body("detail", containsString("longer than the allowed"));
  }

  @Test
  void dashboardQuestionsTakeOnlyTheDatasetsColumnsMetricsAndCapsAndSayWhatIsAllowed() {
    String range = "from=" + FIRST_DAY + "&to=" + LAST_DAY;
    String datasetUrl = "/api/v1/datasets/pageviews";
    given()
        .get(datasetUrl + "/top?column=secret&" + range)
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("detail", containsString("'secret' is not a column of dataset pageviews; allowed: "))
        .body("detail", containsString("path"));
    given()
        .get(datasetUrl + "/top?column=path&n=0&" + range)
        .then()
        .statusCode(400)
        .body("detail", containsString("allowed: a whole number from 1 to 10000"));
    given()
        .get(datasetUrl + "/aggregate?metrics=median(view_count)&" + range)
        .then()
        .statusCode(400)
        .body("detail", containsString("allowed: sum(c), count(*)"));
    given()
        .get(datasetUrl + "/aggregate?metrics=sum(path)&" + range)
        .then()
        .statusCode(400)
        .body("detail", containsString("metric column 'path' has type text; allowed: "));
    given()
        .get(datasetUrl + "/aggregate?groupBy=path&drop=table&" + range)
        .then()
        .statusCode(400)
        .body("detail", containsString("parameter 'drop' is not understood; allowed: "));
    given()
        .get(datasetUrl + "/aggregate?groupBy=path&orderBy=views&" + range)
        .then()
        .statusCode(400)
        .body("detail", containsString("allowed: one of [sum_view_count, path]"));
    given()
        .get(datasetUrl + "/aggregate?filter.project_id=one&" + range)
        .then()
        .statusCode(400)
        .body("detail", containsString("'one' is not a value of column project_id"));
    given()
        .get(datasetUrl + "/aggregate?min.path=a&" + range)
        .then()
        .statusCode(400)
        .body("detail", containsString("a range needs a number or date column; allowed: "));
    given()
        .get(datasetUrl + "/hourly-totals?" + range)
        .then()
        .statusCode(400)
        .body("detail", containsString("has a date time column (date), so it has no hours"));
    given()
        .get(datasetUrl + "/top-per-group?group=path&column=path&" + range)
        .then()
        .statusCode(400)
        .body("detail", containsString("two different columns"));
  }

  /** Does what the archive-service's prune does: rows out, ACTIVE chunk in, one transaction. */
  private void archive(LocalDate day) throws Exception {
    QueryFixtures.archiveDay(store, keys, datasets.find("pageviews"), day, 1);
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
    return QueryFixtures.count(sql);
  }

  private static void execute(String sql) throws Exception {
    QueryFixtures.execute(sql);
  }

  private static Connection connect() throws Exception {
    return QueryFixtures.connect();
  }
}
