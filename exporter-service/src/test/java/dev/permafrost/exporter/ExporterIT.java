package dev.permafrost.exporter;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.EventType;
import dev.permafrost.contracts.Topics;
import dev.permafrost.contracts.v1.PartitionReady;
import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.exporter.domain.ExportedChunk;
import dev.permafrost.exporter.persistence.PartitionLeases;
import dev.permafrost.exporter.service.PartitionExportService;
import dev.permafrost.format.ChunkFileReader;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.PartitionExporter;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.RowDigest;
import dev.permafrost.format.TableSchema;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(DevStackTestResource.class)
class ExporterIT {

  private static final LocalDate FIRST_DAY = LocalDate.now(ZoneOffset.UTC).minusDays(10);

  @Inject ObjectStore store;
  @Inject ObjectKeys keys;
  @Inject PartitionExportService partitionExport;
  @Inject PartitionLeases leases;
  @Inject javax.sql.DataSource dataSource;
  @Inject Datasets datasets;

  @BeforeAll
  static void loadThreeDays() throws Exception {
    try (Connection connection = connect()) {
      DemoData.createPageviewsTable(connection);
      connection.createStatement().execute("TRUNCATE public.pageviews");
      DemoData.loadPageviews(connection, FIRST_DAY, 3, 2_000, 1, 42);
      // Days of their own for the tests below; FIRST_DAY + 6 stays empty.
      DemoData.loadPageviews(connection, FIRST_DAY.plusDays(3), 3, 2_000, 1_000_000, 43);
    }
  }

  @Test
  void exportsEachPartitionOnceAsAVerifiableChunkAndAnnouncesIt() throws Exception {
    String jobId = startExport(FIRST_DAY, FIRST_DAY.plusDays(2));
    awaitJob(jobId);
    given()
        .get("/api/v1/exports/" + jobId)
        .then()
        .statusCode(200)
        .body("partitionsTotal", equalTo(2))
        .body("partitionsDone", equalTo(2));

    Set<String> exported = Set.of(FIRST_DAY.toString(), FIRST_DAY.plusDays(1).toString());
    List<PartitionReady> announced = readyEvents(exported, 2);
    assertThat(announced)
        .extracting(PartitionReady::partition)
        .containsExactlyInAnyOrder(FIRST_DAY.toString(), FIRST_DAY.plusDays(1).toString());

    for (PartitionReady ready : announced) {
      LocalDate day = LocalDate.parse(ready.partition());
      Manifest manifest = Manifest.fromJson(store.getBytes(ready.manifestKey()));
      assertThat(manifest.rowCount()).isEqualTo(ready.rowCount()).isEqualTo(hotRows(day));
      assertThat(manifest.rowDigest()).isEqualTo(ready.rowDigest()).isEqualTo(hotDigest(day));
      assertThat(ready.objects())
          .singleElement()
          .satisfies(
              object -> {
                assertThat(object.key()).startsWith(keys.datasetFolder("pageviews") + "year=");
                assertThat(store.digestOf(object.key()).sha256()).isEqualTo(object.sha256());
              });
      assertThat(coldDigest(manifest)).isEqualTo(ready.rowDigest());
    }

    assertThatDuckDbReadsTheHiveLayout(announced);
    given()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString("permafrost_export_rows_total{dataset=\"pageviews\""));
    given()
        .get("/api/v1/exports/" + jobId)
        .then()
        .body("rowsPerSecond", org.hamcrest.Matchers.greaterThan(0f))
        .body("etaSeconds", org.hamcrest.Matchers.nullValue());

    // Running the same range again exports nothing new and announces nothing new.
    String again = startExport(FIRST_DAY, FIRST_DAY.plusDays(2));
    awaitJob(again);
    given().get("/api/v1/exports/" + again).then().body("rows", equalTo(0));
    assertThat(readyEvents(exported, 0)).isEmpty();
  }

  /** Copies the objects under their keys and lets DuckDB read the folder as a Hive table. */
  private void assertThatDuckDbReadsTheHiveLayout(List<PartitionReady> announced) throws Exception {
    Path root = Files.createTempDirectory(Path.of("target"), "hive-");
    for (PartitionReady ready : announced) {
      for (var object : ready.objects()) {
        Path file = root.resolve(object.key());
        Files.createDirectories(file.getParent());
        store.download(object.key(), file);
      }
    }
    String glob = root.resolve(keys.datasetFolder("pageviews")) + "/**/*.parquet";
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        ResultSet rs =
            duck.createStatement()
                .executeQuery(
                    "SELECT year, month, day, count(*), min(date), max(date) FROM read_parquet('"
                        + glob
                        + "', hive_partitioning = true) GROUP BY ALL ORDER BY year, month, day")) {
      for (PartitionReady ready :
          announced.stream()
              .sorted(java.util.Comparator.comparing(PartitionReady::partition))
              .toList()) {
        LocalDate day = LocalDate.parse(ready.partition());
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(day.getYear());
        assertThat(rs.getInt(2)).isEqualTo(day.getMonthValue());
        assertThat(rs.getInt(3)).isEqualTo(day.getDayOfMonth());
        assertThat(rs.getLong(4)).isEqualTo(ready.rowCount());
        assertThat(rs.getObject(5, LocalDate.class)).isEqualTo(day);
        assertThat(rs.getObject(6, LocalDate.class)).isEqualTo(day);
      }
      assertThat(rs.next()).isFalse();
    }
  }

  @Test
  void twoExportersOnOnePartitionProduceOneChunk() throws Exception {
    DatasetDefinition pageviews = datasets.find("pageviews");
    Instant day = start(FIRST_DAY.plusDays(3));
    ExecutorService twoWorkers = Executors.newFixedThreadPool(2);
    try {
      Future<ExportedChunk> first = twoWorkers.submit(() -> partitionExport.export(pageviews, day));
      Future<ExportedChunk> second =
          twoWorkers.submit(() -> partitionExport.export(pageviews, day));
      ExportedChunk a = first.get(60, TimeUnit.SECONDS);
      ExportedChunk b = second.get(60, TimeUnit.SECONDS);
      assertThat(a.chunkId()).isEqualTo(b.chunkId());
      // One of them wrote the chunk, the other found it written.
      assertThat(List.of(a.alreadyExported(), b.alreadyExported()))
          .containsExactlyInAnyOrder(true, false);
    } finally {
      twoWorkers.shutdownNow();
    }
    assertThat(
            count(
                "SELECT count(*) FROM exporter.exported_partition WHERE partition = '"
                    + FIRST_DAY.plusDays(3)
                    + "'"))
        .isEqualTo(1);
  }

  @Test
  void aWorkerWhoseLeaseWasTakenOverIsFencedByItsEpoch() {
    String partition = "lease-test-" + UUID.randomUUID();
    Transactions.inTransaction(
        dataSource,
        c -> {
          // A lease that expires at once, as one whose worker stalled past it.
          long stale =
              leases.tryAcquire(c, "pageviews", partition, "A", Duration.ZERO).orElseThrow();
          long current =
              leases
                  .tryAcquire(c, "pageviews", partition, "B", Duration.ofMinutes(1))
                  .orElseThrow();
          assertThat(current).isEqualTo(stale + 1);
          assertThat(leases.holds(c, "pageviews", partition, stale)).isFalse();
          assertThat(leases.holds(c, "pageviews", partition, current)).isTrue();
          assertThat(leases.renew(c, "pageviews", partition, stale, Duration.ofMinutes(1)))
              .isFalse();
          assertThat(leases.renew(c, "pageviews", partition, current, Duration.ofMinutes(1)))
              .isTrue();
          assertThat(leases.tryAcquire(c, "pageviews", partition, "C", Duration.ofMinutes(1)))
              .isEmpty();
          leases.release(c, "pageviews", partition, current);
          assertThat(leases.holds(c, "pageviews", partition, current)).isFalse();
          return null;
        });
  }

  @Test
  void anAttemptThatDiedBeforeRecordingIsRedoneUnderTheSameKeysWithTheSameDigest()
      throws Exception {
    DatasetDefinition pageviews = datasets.find("pageviews");
    Instant day = start(FIRST_DAY.plusDays(4));
    // The attempt that dies: its objects are uploaded, the chunk is never recorded.
    PartitionExporter exporter = new PartitionExporter(store, keys, java.time.Clock.systemUTC());
    Manifest dead;
    try (Connection connection = connect()) {
      connection.setAutoCommit(false);
      dead =
          exporter.export(
              connection, pageviews, PgTables.readSchema(connection, "public.pageviews"), day, 1);
      connection.commit();
    }
    assertThat(store.exists(dead.objects().get(0).key())).isTrue();

    ExportedChunk retried = partitionExport.export(pageviews, day);

    assertThat(retried.alreadyExported()).isFalse();
    assertThat(retried.chunkId()).isEqualTo(dead.chunkId());
    assertThat(retried.rowDigest()).isEqualTo(dead.rowDigest());
    Manifest stored =
        Manifest.fromJson(store.getBytes(keys.manifestKey("pageviews", dead.chunkId())));
    assertThat(stored.objects())
        .extracting(Manifest.StoredObject::key)
        .containsExactlyElementsOf(
            dead.objects().stream().map(Manifest.StoredObject::key).toList());
  }

  @Test
  void aPartitionLargerThanTheSortMemorySpillsToDiskAndStaysExact() throws Exception {
    LocalDate date = FIRST_DAY.plusDays(5);
    String tempFiles = "SELECT temp_files FROM pg_stat_database WHERE datname = current_database()";
    long tempFilesBefore = count(tempFiles);
    PartitionExporter exporter = new PartitionExporter(store, keys, java.time.Clock.systemUTC());
    Manifest manifest;
    try (Connection connection = connect()) {
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      // PostgreSQL sorts the chunk's rows; with 64 kB of sort memory the day must spill.
      connection.createStatement().execute("SET LOCAL work_mem = '64kB'");
      manifest =
          exporter.export(
              connection,
              datasets.find("pageviews"),
              PgTables.readSchema(connection, "public.pageviews"),
              start(date),
              1);
      connection.commit();
    }
    assertThat(manifest.rowCount()).isEqualTo(hotRows(date));
    assertThat(manifest.rowDigest()).isEqualTo(hotDigest(date));
    assertThat(coldDigest(manifest)).isEqualTo(manifest.rowDigest());
    // Statistics reach pg_stat_database a moment after the statement ended.
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count(tempFiles) > tempFilesBefore);
  }

  @Test
  void anEmptyPartitionIsRecordedWithZeroRowsAndAnnouncesNothing() throws Exception {
    LocalDate empty = FIRST_DAY.plusDays(6);
    ExportedChunk chunk = partitionExport.export(datasets.find("pageviews"), start(empty));
    assertThat(chunk.rows()).isZero();
    assertThat(
            count(
                "SELECT row_count FROM exporter.exported_partition WHERE partition = '"
                    + empty
                    + "'"))
        .isZero();
    assertThat(
            count(
                "SELECT count(*) FROM exporter.exported_partition WHERE partition = '"
                    + empty
                    + "'"))
        .isEqualTo(1);
    assertThat(
            count(
                "SELECT count(*) FROM exporter.outbox WHERE event_key = 'pageviews/" + empty + "'"))
        .isZero();
  }

  private static Instant start(LocalDate day) {
    return day.atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  private static long count(String sql) throws Exception {
    return DevStackTestResource.current().queryLong(sql);
  }

  private static void execute(String sql) throws Exception {
    DevStackTestResource.current().execute(sql);
  }

  @Test
  void objectsAreWrittenOnceAndARetryWithOtherBytesIsRefused() throws Exception {
    String key = keys.datasetFolder("pageviews") + "write-once-" + UUID.randomUUID() + ".bin";
    byte[] first = "first".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ObjectStore.StoredBytes stored = store.putOnce(key, first);
    // The same bytes again: a retried upload, accepted.
    assertThat(store.putOnce(key, first.clone())).isEqualTo(stored);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> store.putOnce(key, "second".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .isInstanceOf(dev.permafrost.format.ObjectConflictException.class)
        .hasMessageContaining(key);
    assertThat(store.getBytes(key)).isEqualTo(first);
  }

  @Test
  void badRequestsAreRefusedWithAProblemNamingWhatIsAllowed() {
    given()
        .contentType(ContentType.JSON)
        .body("{\"dataset\": \"pageviews\", \"from\": ")
        .post("/api/v1/exports")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("detail", containsString("not the JSON this endpoint takes"));
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("from", "2026-01-01", "to", "2026-01-02"))
        .post("/api/v1/exports")
        .then()
        .statusCode(400)
        .body(
            "detail",
            containsString(
                "dataset is required; allowed: agent_tasks, logs, pageviews, points, wiki_pageviews"));
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("dataset", "nope", "from", "2026-01-01", "to", "2026-01-02"))
        .post("/api/v1/exports")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body(
            "detail",
            containsString("allowed: agent_tasks, logs, pageviews, points, wiki_pageviews"));
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("dataset", "pageviews", "from", "yesterday", "to", "2026-01-02"))
        .post("/api/v1/exports")
        .then()
        .statusCode(400)
        .body("detail", containsString("a date like 2026-11-20"));
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("dataset", "pageviews", "from", "2026-01-02", "to", "2026-01-01"))
        .post("/api/v1/exports")
        .then()
        .statusCode(400)
        .body("detail", containsString("must be before"));
    String tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1).toString();
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("dataset", "pageviews", "from", "2026-01-01", "to", tomorrow))
        .post("/api/v1/exports")
        .then()
        .statusCode(400)
        .body("detail", containsString("only closed partitions"));
    given().get("/api/v1/exports/" + UUID.randomUUID()).then().statusCode(404);
  }

  private static String startExport(LocalDate from, LocalDate to) {
    return given()
        .contentType(ContentType.JSON)
        .body(Map.of("dataset", "pageviews", "from", from.toString(), "to", to.toString()))
        .post("/api/v1/exports")
        .then()
        .statusCode(202)
        .extract()
        .path("id");
  }

  private static void awaitJob(String id) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !"RUNNING".equals(given().get("/api/v1/exports/" + id).path("state")));
    given().get("/api/v1/exports/" + id).then().body("state", equalTo("SUCCEEDED"));
  }

  /** Reads partition-ready events until {@code expected} arrived, or for a few seconds if 0. */
  /** Reads partition-ready events of {@code partitions} until {@code expected} arrived (0: 5 s). */
  private List<PartitionReady> readyEvents(Set<String> partitions, int expected) {
    List<PartitionReady> events = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                DevStackTestResource.current().kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "exporter-it",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of(Topics.PARTITION_READY));
      long deadline = System.nanoTime() + Duration.ofSeconds(expected == 0 ? 5 : 30).toNanos();
      while (System.nanoTime() < deadline && (expected == 0 || events.size() < expected)) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          EventEnvelope<PartitionReady> event =
              EventCodec.fromJson(record.value(), EventType.PARTITION_READY);
          assertThat(record.key()).isEqualTo(event.key());
          if (partitions.contains(event.payload().partition())) {
            events.add(event.payload());
          }
        }
        consumer.commitSync();
      }
    }
    return events;
  }

  private static long hotRows(LocalDate day) throws Exception {
    try (Connection connection = connect();
        PreparedStatement count =
            connection.prepareStatement("SELECT count(*) FROM public.pageviews WHERE date = ?")) {
      count.setObject(1, day);
      try (ResultSet rs = count.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static String hotDigest(LocalDate day) throws Exception {
    try (Connection connection = connect()) {
      TableSchema schema = PgTables.readSchema(connection, "public.pageviews");
      RowDigest digest = new RowDigest(schema);
      try (PreparedStatement select =
          connection.prepareStatement(
              "SELECT " + schema.selectList() + " FROM public.pageviews WHERE date = ?")) {
        select.setObject(1, day);
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            digest.add(PgTables.readRow(rs, schema));
          }
        }
      }
      return digest.hex();
    }
  }

  private String coldDigest(Manifest manifest) throws Exception {
    RowDigest digest = new RowDigest(manifest.schema());
    for (Manifest.StoredObject object : manifest.objects()) {
      Path file = Files.createTempFile("chunk", ".parquet");
      try {
        store.download(object.key(), file);
        ChunkFileReader.read(file, manifest.schema(), digest::add);
      } finally {
        Files.deleteIfExists(file);
      }
    }
    return digest.hex();
  }

  private static Connection connect() throws Exception {
    return DevStackTestResource.current().connect();
  }
}
