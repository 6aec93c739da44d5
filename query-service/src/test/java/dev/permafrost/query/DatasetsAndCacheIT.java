package dev.permafrost.query;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.Topics;
import dev.permafrost.contracts.v1.PartitionArchived;
import dev.permafrost.contracts.v1.PartitionRestored;
import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.query.config.QueryConfig;
import dev.permafrost.query.domain.ColdObject;
import dev.permafrost.query.service.MergedCopies;
import dev.permafrost.query.service.ObjectCache;
import dev.permafrost.support.config.Datasets;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The datasets a dashboard can ask about, restores passed on to the archive-service, and the local
 * object cache: bounded, least recently used out, never evicting what a query reads, warmed and
 * dropped as the catalog's events say.
 */
@QuarkusTest
@QuarkusTestResource(DevStackTestResource.class)
class DatasetsAndCacheIT {

  /** Days of their own, apart from the other query tests' days. */
  private static final LocalDate FIRST_DAY = LocalDate.now(ZoneOffset.UTC).minusDays(700);

  /** The first of a month of its own, for merged copies. */
  private static final LocalDate MONTH =
      YearMonth.from(LocalDate.now(ZoneOffset.UTC).minusDays(800)).atDay(1);

  @Inject ObjectStore store;
  @Inject ObjectKeys keys;
  @Inject Datasets datasets;
  @Inject ObjectCache cache;
  @Inject MergedCopies copies;
  @Inject QueryConfig config;

  @BeforeAll
  static void load() throws Exception {
    QueryFixtures.migrateCatalog();
    try (Connection connection = QueryFixtures.connect()) {
      DemoData.createPageviewsTable(connection);
      DemoData.loadPageviews(connection, FIRST_DAY, 5, 500, 700_000_000L, 23);
      DemoData.loadPageviews(connection, MONTH, 4, 300, 710_000_000L, 29);
    }
  }

  @Test
  void datasetsListTheirQueryableColumnsAndTheRowsOfEachTier() throws Exception {
    given()
        .get("/api/v1/datasets")
        .then()
        .statusCode(200)
        .body("name", hasItem("pageviews"))
        .body("find { it.name == 'pageviews' }.grain", equalTo("day"))
        .body("find { it.name == 'pageviews' }.mode", equalTo("move"))
        .body("find { it.name == 'pageviews' }.tenantColumn", equalTo("project_id"));
    long hot = QueryFixtures.count("SELECT count(*) FROM public.pageviews");
    long cold =
        QueryFixtures.count(
            "SELECT coalesce(sum(row_count), 0) FROM archive.chunk"
                + " WHERE dataset = 'pageviews' AND state = 'ACTIVE'");
    given()
        .get("/api/v1/datasets/pageviews")
        .then()
        .statusCode(200)
        .body("columns.find { it.name == 'path' }.groupable", equalTo(true))
        .body("columns.find { it.name == 'path' }.measurable", equalTo(false))
        .body("columns.find { it.name == 'view_count' }.measurable", equalTo(true))
        .body("tiers.hot.rows", equalTo((int) hot))
        .body("tiers.cold.rows", equalTo((int) cold));
    given()
        .get("/api/v1/datasets/nope")
        .then()
        .statusCode(404)
        .contentType("application/problem+json")
        .body("detail", containsString("configured datasets: "));
  }

  @Test
  void aRestoreAskedHereIsPassedOnAsRestoreRequested() throws Exception {
    String requestId =
        given()
            .contentType(ContentType.JSON)
            .body(
                "{\"from\": \""
                    + FIRST_DAY
                    + "\", \"to\": \""
                    + FIRST_DAY.plusDays(1)
                    + "\", \"tenant\": \"3\", \"reason\": \"audit\", \"requestedBy\": \"ops\"}")
            .post("/api/v1/datasets/pageviews/restores")
            .then()
            .statusCode(202)
            .extract()
            .path("requestId");
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                DevStackTestResource.current().records(Topics.RESTORE_REQUESTED).stream()
                    .anyMatch(r -> r.contains(requestId) && r.contains("\"tenant\":\"3\"")));
    given()
        .contentType(ContentType.JSON)
        .body("{\"from\": \"yesterday\", \"to\": \"" + FIRST_DAY + "\"}")
        .post("/api/v1/datasets/pageviews/restores")
        .then()
        .statusCode(400)
        .body("detail", containsString("allowed: a date like 2026-11-20"));
  }

  @Test
  void ddlForExternalEnginesReadsTheHiveLayoutOrExactlyTheActiveObjects() throws Exception {
    String athena =
        given()
            .get("/api/v1/datasets/pageviews/ddl?engine=athena")
            .then()
            .statusCode(200)
            .contentType(ContentType.TEXT)
            .extract()
            .asString();
    assertThat(athena)
        .contains("CREATE EXTERNAL TABLE pageviews (")
        .contains("`view_count` int,")
        .contains("`date` date")
        .contains("PARTITIONED BY (`year` int, `month` int, `day` int)")
        .contains("'projection.enabled' = 'true'")
        .contains("'projection.month.digits' = '2'")
        .contains(
            "'storage.location.template' = "
                + "'s3://permafrost/cold/pageviews/year=${year}/month=${month}/day=${day}/'")
        .contains("not ACTIVE");
    assertThat(given().get("/api/v1/datasets/pageviews/ddl?engine=trino").asString())
        .contains("partitioned_by = ARRAY['year', 'month', 'day']")
        .contains("external_location = 's3://permafrost/cold/pageviews/'")
        .contains("sync_partition_metadata");

    Manifest manifest = archive(FIRST_DAY);
    List<String> active =
        QueryFixtures.rows(
                "SELECT o.object_key FROM archive.chunk c JOIN archive.chunk_object o"
                    + " USING (chunk_id) WHERE c.dataset = 'pageviews' AND c.state = 'ACTIVE'")
            .stream()
            .map(row -> (String) row.get(0))
            .toList();
    String duckdb = given().get("/api/v1/datasets/pageviews/ddl?engine=duckdb").asString();
    assertThat(duckdb).contains("CREATE OR REPLACE VIEW pageviews AS SELECT * FROM read_parquet(");
    assertThat(active).contains(manifest.objects().get(0).key());
    for (String key : active) {
      assertThat(duckdb).contains("'s3://permafrost/" + key + "'");
    }
    assertThat(duckdb.split("s3://permafrost/", -1)).hasSize(active.size() + 1);

    given()
        .get("/api/v1/datasets/pageviews/ddl?engine=hive")
        .then()
        .statusCode(400)
        .body("detail", containsString("allowed: athena, trino, duckdb"));
  }

  @Test
  void theCacheIsWarmedWhenAChunkIsArchivedAndDroppedWhenItIsRestored() throws Exception {
    Manifest manifest = archive(FIRST_DAY.plusDays(1));
    String sha = manifest.objects().get(0).sha256();
    copies.awaitQueuedBuilds(); // a merge would lease the object
    cache.drop(List.of(sha));
    assertThat(cache.isCached(sha)).isFalse();

    EventEnvelope<PartitionArchived> archived =
        EventEnvelope.of(
            "pageviews/" + manifest.partition(),
            Instant.now(),
            new PartitionArchived(
                manifest.chunkId(),
                "pageviews",
                manifest.partition(),
                manifest.rowCount(),
                manifest.rowDigest()));
    DevStackTestResource.current()
        .publish(Topics.PARTITION_ARCHIVED, archived.key(), EventCodec.toJson(archived));
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> cache.isCached(sha));

    restore(manifest);
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !cache.isCached(sha));
  }

  /** What a restore does to the catalog, and the event it sends. */
  private static void restore(Manifest manifest) throws Exception {
    QueryFixtures.execute(
        "UPDATE archive.chunk SET state = 'RESTORED' WHERE chunk_id = '"
            + manifest.chunkId()
            + "'");
    EventEnvelope<PartitionRestored> restored =
        EventEnvelope.of(
            "pageviews/" + manifest.partition(),
            Instant.now(),
            new PartitionRestored(
                List.of(manifest.chunkId()),
                "pageviews",
                manifest.partition(),
                manifest.rowCount()));
    DevStackTestResource.current()
        .publish(Topics.PARTITION_RESTORED, restored.key(), EventCodec.toJson(restored));
  }

  @Test
  void aMonthOfChunksIsReadFromOneMergedCopyThatNeverAnswersForAnotherCatalogState()
      throws Exception {
    List<Manifest> chunks = new ArrayList<>();
    for (int day = 0; day < 4; day++) {
      chunks.add(archive(MONTH.plusDays(day)));
    }
    // Each question is new to the answer cache (another end), so that its cold part is computed.
    Map<String, Long> fromChunkFiles = viewsByDate(MONTH.plusDays(3));
    assertThat(fromChunkFiles).hasSize(3);
    copies.awaitQueuedBuilds();
    long reads = copies.reads();
    assertThat(viewsByDate(MONTH.plusDays(4))).isEqualTo(fromChunkFiles);
    assertThat(copies.reads()).as("the month read from its merged copy").isEqualTo(reads + 1);

    // A late chunk of the third day: the copy does not hold it, so the chunk files answer.
    String third = MONTH.plusDays(2).toString();
    QueryFixtures.execute(
        "INSERT INTO public.pageviews (id, project_id, path, view_count, date) VALUES"
            + " (719000001, 1, '/late', 1000, '"
            + third
            + "')");
    chunks.add(
        QueryFixtures.archiveDay(store, keys, datasets.find("pageviews"), MONTH.plusDays(2), 71));
    Map<String, Long> withLateChunk = viewsByDate(MONTH.plusDays(5));
    assertThat(withLateChunk.get(third)).isEqualTo(fromChunkFiles.get(third) + 1000);
    assertThat(copies.reads()).as("the copy lacks the late chunk").isEqualTo(reads + 1);

    // Merged again, with the late chunk.
    copies.awaitQueuedBuilds();
    assertThat(viewsByDate(MONTH.plusDays(6))).isEqualTo(withLateChunk);
    assertThat(copies.reads()).isEqualTo(reads + 2);

    // A question over one day of the four reads that day's chunk file, fewer bytes.
    assertThat(viewsByDate(MONTH, MONTH)).containsOnlyKeys(MONTH.toString());
    assertThat(copies.reads()).isEqualTo(reads + 2);

    // A restored chunk: the copy holding it is deleted from disk.
    copies.awaitQueuedBuilds();
    int months = copies.months("pageviews");
    List<Path> mergedFiles = mergedFiles();
    restore(chunks.get(0));
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> copies.months("pageviews") == months - 1);
    assertThat(mergedFiles()).hasSize(mergedFiles.size() - 1).isSubsetOf(mergedFiles);
  }

  private static Map<String, Long> viewsByDate(LocalDate to) {
    return viewsByDate(MONTH.plusDays(1), to);
  }

  /** Makes each question of {@link #viewsByDate} another one. */
  private static int questions;

  /**
   * Views per value of the date column. Grouped by the column, not by the day bucket of daily
   * totals, whose cold parts are kept per partition; and with an upper bound that every row is
   * under, another each time, so that no parts kept for an earlier question ({@code MonthRollups})
   * serve it: each question reads its rows, from the merged copy or the chunk files.
   */
  private static Map<String, Long> viewsByDate(LocalDate from, LocalDate to) {
    Map<String, Long> totals = new TreeMap<>();
    given()
        .get(
            "/api/v1/datasets/pageviews/aggregate?groupBy=date&metrics=sum(view_count)"
                + "&orderBy=date&limit=100&from="
                + from
                + "&to="
                + to
                + "&max.view_count="
                + (1_000_000_000 + questions++))
        .then()
        .statusCode(200)
        .extract()
        .jsonPath()
        .getList("rows", Map.class)
        .forEach(
            d ->
                totals.put((String) d.get("date"), ((Number) d.get("sum_view_count")).longValue()));
    return totals;
  }

  private List<Path> mergedFiles() throws Exception {
    try (var files = Files.list(config.cacheDir())) {
      return files.filter(f -> f.getFileName().toString().endsWith(".derived.parquet")).toList();
    }
  }

  @Test
  void theCacheKeepsItsBudgetDropsTheLeastRecentlyUsedAndNeverWhatAQueryReads() throws Exception {
    List<ColdObject> objects = new ArrayList<>();
    for (int day = 2; day < 4; day++) {
      Manifest manifest = archive(FIRST_DAY.plusDays(day));
      objects.add(coldObject(manifest));
    }
    ColdObject first = objects.get(0);
    ColdObject second = objects.get(1);
    Path directory = Files.createTempDirectory(Path.of("target"), "cache-it");
    // Room for the larger object only: never for both.
    long budget = Math.max(first.bytes(), second.bytes());
    ObjectCache small = new ObjectCache(store, config(directory, budget));

    try (ObjectCache.Lease reading = small.lease(List.of(first))) {
      // The first is being read: taking the second goes over budget but evicts nothing leased.
      small.lease(List.of(second)).close();
      assertThat(small.isCached(first.sha256())).isTrue();
      assertThat(Files.exists(reading.paths().get(0))).isTrue();
      assertThat(small.isCached(second.sha256())).isFalse();
    }
    small.lease(List.of(second)).close();
    assertThat(small.isCached(second.sha256())).isTrue();
    assertThat(small.isCached(first.sha256())).as("least recently used, evicted").isFalse();
    assertThat(small.cachedBytes()).isLessThanOrEqualTo(budget);

    // A restart adopts the copy on disk.
    ObjectCache restarted = new ObjectCache(store, config(directory, budget));
    assertThat(restarted.isCached(second.sha256())).isTrue();

    // A copy dropped while a query reads it goes when that query is done.
    try (ObjectCache.Lease reading = restarted.lease(List.of(second))) {
      restarted.drop(List.of(second.sha256()));
      assertThat(Files.exists(reading.paths().get(0))).isTrue();
    }
    assertThat(restarted.isCached(second.sha256())).isFalse();
    assertThat(restarted.cachedBytes()).isZero();
  }

  @Test
  void aStoreThatCannotBeReachedIsAnErrorNamingThePartitionNeverAnEmptyAnswer() throws Exception {
    Manifest manifest = archive(FIRST_DAY.plusDays(4));
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    software.amazon.awssdk.services.s3.S3Client unreachable =
        software.amazon.awssdk.services.s3.S3Client.builder()
            .endpointOverride(java.net.URI.create("http://127.0.0.1:" + closedPort))
            .region(software.amazon.awssdk.regions.Region.US_EAST_1)
            .credentialsProvider(
                software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider.create())
            .forcePathStyle(true)
            .build();
    ObjectCache cut =
        new ObjectCache(
            new ObjectStore(unreachable, "permafrost"),
            config(Files.createTempDirectory(Path.of("target"), "cache-down"), 1 << 30));
    ColdObject cold = coldObject(manifest);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> cut.lease(List.of(cold)))
        .isInstanceOf(dev.permafrost.query.service.ColdReadException.class)
        .hasMessageContaining("partition " + manifest.partition() + " could not be read");
  }

  /** The chunk's first object, as the catalog lists it to a query. */
  private static ColdObject coldObject(Manifest manifest) {
    Manifest.StoredObject object = manifest.objects().get(0);
    return new ColdObject(
        manifest.chunkId(),
        manifest.partition(),
        manifest.partitionStart(),
        manifest.partitionEnd(),
        object.key(),
        object.sha256(),
        object.bytes());
  }

  /** Exports the day to the store, records its chunk as ACTIVE and prunes its hot rows. */
  private Manifest archive(LocalDate day) throws Exception {
    // Its rows leave the hot table, as in a prune, so that other tests' answers stay right.
    return QueryFixtures.archiveDay(store, keys, datasets.find("pageviews"), day, 70);
  }

  private static QueryConfig config(Path directory, long maxBytes) {
    return new QueryConfig() {
      @Override
      public Path cacheDir() {
        return directory;
      }

      @Override
      public long cacheMaxBytes() {
        return maxBytes;
      }

      @Override
      public long mergedCopyMaxBytes() {
        return maxBytes;
      }

      @Override
      public int coldAnswers() {
        return 10;
      }

      @Override
      public int maxRangeDays() {
        return 3660;
      }

      @Override
      public java.time.Duration coldTimeout() {
        return java.time.Duration.ofSeconds(60);
      }

      @Override
      public boolean hooksEnabled() {
        return false;
      }

      @Override
      public int maxLimit() {
        return 10_000;
      }

      @Override
      public Wikimedia wikimedia() {
        throw new UnsupportedOperationException("the object cache reads no report settings");
      }
    };
  }
}
