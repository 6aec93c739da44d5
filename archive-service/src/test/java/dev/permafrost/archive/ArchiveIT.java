package dev.permafrost.archive;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.archive.service.ArchiveLifecycle;
import dev.permafrost.archive.service.Failpoints;
import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.Topics;
import dev.permafrost.contracts.v1.ChunkObject;
import dev.permafrost.contracts.v1.PartitionReady;
import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.PartitionExporter;
import dev.permafrost.format.PgTables;
import dev.permafrost.support.config.Datasets;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

@QuarkusTest
@QuarkusTestResource(DevStackTestResource.class)
class ArchiveIT {

  /** Each test archives its own day, so tests do not depend on each other's order. */
  private static final LocalDate FIRST_DAY = LocalDate.now(ZoneOffset.UTC).minusDays(20);

  private static final int ROWS_PER_DAY = 1_500;

  @Inject ObjectStore store;
  @Inject ObjectKeys keys;
  @Inject Datasets datasets;
  @Inject ArchiveLifecycle lifecycle;
  @Inject Failpoints failpoints;
  @Inject S3Client s3;

  @BeforeAll
  static void loadDays() throws Exception {
    try (Connection connection = connect()) {
      DemoData.createPageviewsTable(connection);
      connection.createStatement().execute("TRUNCATE public.pageviews");
      DemoData.loadPageviews(connection, FIRST_DAY, 6, ROWS_PER_DAY, 1, 7);
    }
  }

  @Test
  void partitionReadyOnKafkaVerifiesAndPrunesExactlyTheExportedRows() throws Exception {
    LocalDate day = FIRST_DAY;
    long rowsBefore = hotRows(day);
    long nextDayBefore = hotRows(day.plusDays(1));
    EventEnvelope<PartitionReady> event = exportChunk(day);
    // A row that arrives after the export is not in the chunk and must survive the prune.
    insertLateRow(day, 9_000_000_001L);

    publish(Topics.PARTITION_READY, event.key(), EventCodec.toJson(event));
    publish(Topics.PARTITION_READY, event.key(), EventCodec.toJson(event)); // a duplicate

    awaitState(event, "ACTIVE");
    assertThat(event.payload().rowCount()).isEqualTo(rowsBefore);
    assertThat(hotRows(day)).isEqualTo(1);
    assertThat(hotRows(day.plusDays(1))).isEqualTo(nextDayBefore).isPositive();
    assertThat(audited("PRUNED", event)).isEqualTo(1);
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                published(Topics.PARTITION_ARCHIVED).stream()
                    .anyMatch(v -> v.contains(event.payload().chunkId().toString())));
  }

  @Test
  void aCrashBetweenVerifiedAndPruneCommittedLosesNoRowAndCountsNoneTwice() throws Exception {
    for (String failpoint :
        List.of(Failpoints.PRUNE_AFTER_READ_BACK, Failpoints.PRUNE_BEFORE_COMMIT)) {
      LocalDate day =
          failpoint.equals(Failpoints.PRUNE_AFTER_READ_BACK)
              ? FIRST_DAY.plusDays(2)
              : FIRST_DAY.plusDays(3);
      long rows = hotRows(day);
      long viewsBefore = views(day);
      EventEnvelope<PartitionReady> event = exportChunk(day);
      failpoints.arm(
          failpoint,
          () -> {
            throw new SimulatedCrash(failpoint);
          });

      assertThatThrownBy(() -> lifecycle.onPartitionReady(event))
          .isInstanceOf(SimulatedCrash.class);
      assertThat(state(event)).as("after a crash at %s", failpoint).isEqualTo("VERIFIED");
      assertThat(hotRows(day)).as("hot rows after a crash at %s", failpoint).isEqualTo(rows);

      // The restarted service gets the same event again (its offset was never committed).
      assertThat(lifecycle.onPartitionReady(event)).isEqualTo(ChunkState.ACTIVE);
      assertThat(hotRows(day)).isZero();
      assertThat(event.payload().rowCount()).isEqualTo(rows);
      assertThat(coldViews(event)).isEqualTo(viewsBefore);
      assertThat(audited("PRUNED", event)).isEqualTo(1);
      // And once more, as a late duplicate: nothing changes.
      assertThat(lifecycle.onPartitionReady(event)).isEqualTo(ChunkState.ACTIVE);
      assertThat(audited("PRUNED", event)).isEqualTo(1);
    }
  }

  @Test
  void aChunkOfSeveralFilesIsVerifiedAndPrunedAsOne() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(7);
    try (Connection connection = connect()) {
      DemoData.loadPageviews(connection, day, 1, 40_000, 50_000_000, 3);
    }
    long rows = hotRows(day);
    DatasetDefinition pageviews = datasets.find("pageviews");
    DatasetDefinition smallFiles =
        pageviews.withLayout(new DatasetDefinition.FileLayout("SNAPPY", 64 << 10, 64 << 10, false));
    EventEnvelope<PartitionReady> event = exportChunk(smallFiles, day);
    assertThat(event.payload().objects()).hasSizeGreaterThan(1);
    assertThat(event.payload().objects().stream().mapToLong(ChunkObject::rows).sum())
        .isEqualTo(rows);
    assertThat(event.payload().objects().get(1).key()).endsWith("-2.parquet");

    assertThat(lifecycle.onPartitionReady(event)).isEqualTo(ChunkState.ACTIVE);
    assertThat(hotRows(day)).isZero();
    assertThat(audited("PRUNED", event)).isEqualTo(1);
  }

  @Test
  void aChunkSplitPerTenantHasOneFileUnderItsOwnDirectoryPerTenant() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(8);
    try (Connection connection = connect()) {
      DemoData.loadPageviews(connection, day, 1, 1_000, 60_000_000, 5);
    }
    long projects =
        count("SELECT count(DISTINCT project_id) FROM public.pageviews WHERE date = '" + day + "'");
    DatasetDefinition pageviews = datasets.find("pageviews");
    DatasetDefinition perProject =
        pageviews.withLayout(new DatasetDefinition.FileLayout("ZSTD", 64 << 10, 64 << 10, true));
    EventEnvelope<PartitionReady> event = exportChunk(perProject, day);

    List<ChunkObject> objects = event.payload().objects();
    assertThat(objects).hasSize((int) projects);
    assertThat(objects)
        .extracting(ChunkObject::tenant)
        .doesNotHaveDuplicates()
        .doesNotContainNull();
    for (ChunkObject object : objects) {
      assertThat(object.key())
          .contains(
              "/day="
                  + String.format("%02d", day.getDayOfMonth())
                  + "/tenant="
                  + object.tenant()
                  + "/chunk-");
      assertThat(object.rows())
          .isEqualTo(
              count(
                  "SELECT count(*) FROM public.pageviews WHERE date = '"
                      + day
                      + "' AND project_id = "
                      + object.tenant()));
    }

    assertThat(lifecycle.onPartitionReady(event)).isEqualTo(ChunkState.ACTIVE);
    assertThat(hotRows(day)).isZero();
  }

  @Test
  void aCorruptedObjectMarksTheChunkCorruptAndKeepsEveryHotRow() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(4);
    long rows = hotRows(day);
    EventEnvelope<PartitionReady> event = exportChunk(day);
    ChunkObject object = event.payload().objects().get(0);
    byte[] bytes = store.getBytes(object.key());
    bytes[bytes.length / 2] ^= 1; // one flipped bit
    s3.putObject(b -> b.bucket(store.bucket()).key(object.key()), RequestBody.fromBytes(bytes));

    assertThat(lifecycle.onPartitionReady(event)).isEqualTo(ChunkState.CORRUPT);
    assertThat(hotRows(day)).isEqualTo(rows);
    assertThat(audited("CORRUPT", event)).isEqualTo(1);
    assertThat(audited("PRUNED", event)).isZero();
  }

  @Test
  void aMalformedEventGoesToTheDeadLetterTopicAndChangesNothing() throws Exception {
    long chunksBefore = count("SELECT count(*) FROM archive.chunk");
    long hotBefore = count("SELECT count(*) FROM public.pageviews");
    String garbage =
        "{\"type\":\"partition-ready\",\"schemaVersion\":1,\"payload\":42} " + Instant.now();
    publish(Topics.PARTITION_READY, "pageviews/garbage", garbage);

    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> published(Topics.deadLetter(Topics.PARTITION_READY)).contains(garbage));
    assertThat(count("SELECT count(*) FROM archive.chunk")).isEqualTo(chunksBefore);
    assertThat(count("SELECT count(*) FROM public.pageviews")).isEqualTo(hotBefore);
  }

  /** What a crash of the service does to the work in flight: the work stops at that line. */
  static final class SimulatedCrash extends RuntimeException {
    SimulatedCrash(String where) {
      super("simulated crash at " + where);
    }
  }

  /** Writes the day's chunk with the exporter's own code and builds its partition-ready event. */
  private EventEnvelope<PartitionReady> exportChunk(LocalDate day) throws Exception {
    return exportChunk(datasets.find("pageviews"), day);
  }

  private EventEnvelope<PartitionReady> exportChunk(DatasetDefinition dataset, LocalDate day)
      throws Exception {
    Instant start = day.atStartOfDay().toInstant(ZoneOffset.UTC);
    PartitionExporter exporter = new PartitionExporter(store, keys, Clock.systemUTC());
    Manifest manifest;
    try (Connection connection = connect()) {
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      manifest =
          exporter.export(
              connection, dataset, PgTables.readSchema(connection, "public.pageviews"), start, 1);
      connection.commit();
    }
    return EventEnvelope.of(
        "pageviews/" + manifest.partition(),
        Instant.now(),
        new PartitionReady(
            manifest.chunkId(),
            "pageviews",
            manifest.partition(),
            manifest.partitionStart(),
            manifest.partitionEnd(),
            1,
            keys.manifestKey("pageviews", manifest.chunkId()),
            manifest.objects().stream()
                .map(o -> new ChunkObject(o.key(), o.bytes(), o.sha256(), o.rows(), o.tenant()))
                .toList(),
            manifest.rowCount(),
            manifest.rowDigest()));
  }

  private static void publish(String topic, String key, String value) throws Exception {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                DevStackTestResource.current().kafkaBootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  private static List<String> published(String topic) {
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                DevStackTestResource.current().kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "archive-it-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      List<String> values = new java.util.ArrayList<>();
      for (int poll = 0; poll < 6; poll++) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          values.add(record.value());
        }
      }
      return values;
    }
  }

  private static void awaitState(EventEnvelope<PartitionReady> event, String state) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> state.equals(stateOrNull(event)));
  }

  private static String stateOrNull(EventEnvelope<PartitionReady> event) {
    var response = given().get("/api/v1/chunks/" + event.payload().chunkId());
    return response.statusCode() == 200 ? response.path("state") : null;
  }

  private static String state(EventEnvelope<PartitionReady> event) {
    return given()
        .get("/api/v1/chunks/" + event.payload().chunkId())
        .then()
        .statusCode(200)
        .extract()
        .path("state");
  }

  private long coldViews(EventEnvelope<PartitionReady> event) throws Exception {
    Path file = Path.of("target", "cold-views-" + event.payload().chunkId() + ".parquet");
    store.download(event.payload().objects().get(0).key(), file);
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        ResultSet rs =
            duck.createStatement()
                .executeQuery(
                    "SELECT sum(view_count) FROM read_parquet('" + file.toAbsolutePath() + "')")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static long audited(String action, EventEnvelope<PartitionReady> event) throws Exception {
    return count(
        "SELECT count(*) FROM archive.audit_log WHERE action = '"
            + action
            + "' AND chunk_id = '"
            + event.payload().chunkId()
            + "'");
  }

  private static long hotRows(LocalDate day) throws Exception {
    return count("SELECT count(*) FROM public.pageviews WHERE date = '" + day + "'");
  }

  private static long views(LocalDate day) throws Exception {
    return count(
        "SELECT coalesce(sum(view_count), 0) FROM public.pageviews WHERE date = '" + day + "'");
  }

  private static void insertLateRow(LocalDate day, long id) throws Exception {
    try (Connection connection = connect();
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO public.pageviews VALUES (?, 1, 'late', '/late', 5, ?)")) {
      insert.setLong(1, id);
      insert.setObject(2, day);
      insert.executeUpdate();
    }
  }

  private static long count(String sql) throws Exception {
    return DevStackTestResource.current().queryLong(sql);
  }

  private static Connection connect() throws Exception {
    return DevStackTestResource.current().connect();
  }
}
