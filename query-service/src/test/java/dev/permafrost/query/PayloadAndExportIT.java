package dev.permafrost.query;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.support.config.Datasets;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lazy load of an offloaded payload, from PostgreSQL or from its chunk, and a tenant's data
 * export across both tiers.
 */
@QuarkusTest
@QuarkusTestResource(DevStackTestResource.class)
class PayloadAndExportIT {

  /** A month and days of their own, apart from the other query tests'. */
  private static final OffsetDateTime MONTH =
      OffsetDateTime.of(2024, 3, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  private static final LocalDate FIRST_DAY = LocalDate.now(ZoneOffset.UTC).minusDays(900);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject ObjectStore store;
  @Inject ObjectKeys keys;
  @Inject Datasets datasets;

  @BeforeAll
  static void load() throws Exception {
    QueryFixtures.migrateCatalog();
    try (Connection connection = QueryFixtures.connect()) {
      DemoData.createPageviewsTable(connection);
      DemoData.createOtherDatasetTables(connection);
      DemoData.loadPageviews(connection, FIRST_DAY, 3, 300, 900_000_000L, 29);
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO public.points (id, user_id, recorded_at, lat, lon, raw_data)"
                  + " VALUES (?, ?, ?, ?, ?, ?::jsonb)")) {
        for (int i = 0; i < 60; i++) {
          insert.setLong(1, 9_000_000L + i);
          insert.setLong(2, 1 + i % 3);
          insert.setObject(3, MONTH.plusHours(i));
          insert.setDouble(4, 52.0 + i / 1000.0);
          insert.setDouble(5, 13.0 + i / 1000.0);
          insert.setString(6, "{\"speed\": " + i + ", \"note\": \"tab\\there \\u00e9\"}");
          insert.addBatch();
        }
        insert.executeBatch();
      }
    }
  }

  @Test
  void aPayloadComesFromPostgresWhileHotAndFromItsChunkOnceOffloaded() throws Exception {
    Map<Long, JsonNode> original = rawData();
    Manifest manifest = offloadMonth();
    long hotId = 9_000_100L;
    QueryFixtures.execute(
        "INSERT INTO public.points (id, user_id, recorded_at, lat, lon, raw_data) VALUES ("
            + hotId
            + ", 2, '"
            + MONTH.plusDays(3)
            + "', 1, 2, '{\"late\": true}')");

    long coldId = 9_000_007L;
    given()
        .get("/api/v1/datasets/points/rows/" + coldId + "/payload")
        .then()
        .statusCode(200)
        .body("tier", equalTo("cold"))
        .body("chunkId", equalTo(manifest.chunkId().toString()))
        .body("columns.raw_data.speed", equalTo(7))
        .body("columns.raw_data.note", equalTo("tab\there é"));
    String cold = given().get("/api/v1/datasets/points/rows/" + coldId + "/payload").asString();
    assertThat(JSON.readTree(cold).path("columns").path("raw_data"))
        .isEqualTo(original.get(coldId));
    given()
        .get("/api/v1/datasets/points/rows/" + hotId + "/payload")
        .then()
        .statusCode(200)
        .body("tier", equalTo("hot"))
        .body("columns.raw_data.late", equalTo(true));

    given().get("/api/v1/datasets/points/rows/1/payload").then().statusCode(404);
    given()
        .get("/api/v1/datasets/points/rows/abc/payload")
        .then()
        .statusCode(400)
        .body("detail", containsString("'abc' is not a value of column id"));
    given()
        .get("/api/v1/datasets/pageviews/rows/1/payload")
        .then()
        .statusCode(400)
        .body("detail", containsString("allowed: [points]"));

    // The export of a user gets every row whole, the offloaded ones with their payload back.
    List<JsonNode> exported = ndjson("/api/v1/datasets/points/export?tenant=2");
    List<Long> ids = exported.stream().map(r -> r.path("id").asLong()).toList();
    assertThat(new TreeSet<>(ids))
        .hasSize(ids.size())
        .isEqualTo(new TreeSet<>(idsOf("SELECT id FROM public.points WHERE user_id = 2")));
    for (JsonNode row : exported) {
      long id = row.path("id").asLong();
      assertThat(row.has("archive_chunk")).isFalse();
      assertThat(row.path("raw_data"))
          .as("row %d", id)
          .isEqualTo(id == hotId ? JSON.readTree("{\"late\": true}") : original.get(id));
    }
  }

  @Test
  void aTenantExportHoldsEachOfItsRowsOnceFromBothTiersAsNdjsonOrParquet() throws Exception {
    String range = "&from=" + FIRST_DAY + "&to=" + FIRST_DAY.plusDays(2);
    List<Long> expected =
        idsOf(
            "SELECT id FROM public.pageviews WHERE project_id = 1 AND date BETWEEN '"
                + FIRST_DAY
                + "' AND '"
                + FIRST_DAY.plusDays(2)
                + "'");
    archive(FIRST_DAY);
    archive(FIRST_DAY.plusDays(1));

    List<JsonNode> rows = ndjson("/api/v1/datasets/pageviews/export?tenant=1" + range);
    List<Long> ids = rows.stream().map(r -> r.path("id").asLong()).toList();
    assertThat(ids).hasSameSizeAs(expected);
    assertThat(new TreeSet<>(ids)).isEqualTo(new TreeSet<>(expected));
    assertThat(rows.get(0).path("date").asText()).startsWith(FIRST_DAY.toString().substring(0, 4));

    byte[] parquet =
        given()
            .get("/api/v1/datasets/pageviews/export?format=parquet&tenant=1" + range)
            .then()
            .statusCode(200)
            .contentType("application/vnd.apache.parquet")
            .extract()
            .asByteArray();
    Path file = Files.createTempFile(Path.of("target"), "export", ".parquet");
    Files.write(file, parquet);
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        ResultSet rs =
            duck.createStatement()
                .executeQuery(
                    "SELECT count(*), count(DISTINCT id), min(project_id), max(project_id)"
                        + " FROM read_parquet('"
                        + file.toAbsolutePath()
                        + "')")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(expected.size());
      assertThat(rs.getLong(2)).isEqualTo(expected.size());
      assertThat(rs.getLong(3)).isEqualTo(1);
      assertThat(rs.getLong(4)).isEqualTo(1);
    }

    given()
        .get("/api/v1/datasets/pageviews/export?tenant=1&format=csv")
        .then()
        .statusCode(400)
        .body("detail", containsString("allowed: ndjson, parquet"));
    given()
        .get("/api/v1/datasets/pageviews/export")
        .then()
        .statusCode(400)
        .body("detail", containsString("tenant is required"));
    given()
        .get("/api/v1/datasets/pageviews/export?tenant=x")
        .then()
        .statusCode(400)
        .body("detail", containsString("'x' is not a value of column project_id"));
  }

  /** Exports the month of points and offloads raw_data, as the archive-service's prune does. */
  private Manifest offloadMonth() throws Exception {
    DatasetDefinition points = datasets.find("points");
    try (Connection connection = QueryFixtures.connect()) {
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      Manifest manifest =
          QueryFixtures.export(connection, store, keys, points, MONTH.toInstant(), 1);
      QueryFixtures.registerActiveChunk(connection, "points", manifest);
      connection
          .createStatement()
          .execute(
              "UPDATE public.points SET raw_data = NULL, archive_chunk = '"
                  + manifest.chunkId()
                  + "' WHERE id BETWEEN 9000000 AND 9000059");
      connection.commit();
      return manifest;
    }
  }

  private void archive(LocalDate day) throws Exception {
    QueryFixtures.archiveDay(store, keys, datasets.find("pageviews"), day, 90);
  }

  private static Map<Long, JsonNode> rawData() throws Exception {
    Map<Long, JsonNode> raw = new HashMap<>();
    for (List<Object> row :
        QueryFixtures.rows(
            "SELECT id, raw_data::text FROM public.points WHERE raw_data IS NOT NULL")) {
      raw.put((Long) row.get(0), JSON.readTree((String) row.get(1)));
    }
    return raw;
  }

  private static List<Long> idsOf(String sql) throws Exception {
    List<Long> ids = new ArrayList<>();
    for (List<Object> row : QueryFixtures.rows(sql)) {
      ids.add(((Number) row.get(0)).longValue());
    }
    return ids;
  }

  private static List<JsonNode> ndjson(String url) throws Exception {
    String body =
        given()
            .get(url)
            .then()
            .statusCode(200)
            .contentType("application/x-ndjson")
            .extract()
            .asString();
    List<JsonNode> rows = new ArrayList<>();
    for (String line : body.split("\n")) {
      if (!line.isBlank()) {
        rows.add(JSON.readTree(line));
      }
    }
    return rows;
  }
}
