package dev.permafrost.archive;

import static io.restassured.RestAssured.given;

import dev.permafrost.archive.persistence.RestoreRequests;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.v1.ChunkObject;
import dev.permafrost.contracts.v1.PartitionReady;
import dev.permafrost.contracts.v1.RestoreRequested;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.PartitionExporter;
import dev.permafrost.format.PgTables;
import dev.permafrost.support.jdbc.Transactions;
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
import java.util.UUID;
import javax.sql.DataSource;
import org.awaitility.Awaitility;

/**
 * Exports chunks with the exporter's own code and reads state, rows and events for archive tests.
 */
final class ArchiveFixtures {

  private ArchiveFixtures() {}

  /** Writes the day's chunk with the exporter's own code and builds its partition-ready event. */
  static EventEnvelope<PartitionReady> exportChunk(
      ObjectStore store, ObjectKeys keys, DatasetDefinition dataset, LocalDate day)
      throws Exception {
    return exportChunk(store, keys, dataset, day, 1);
  }

  /** Writes the partition's hot rows as chunk {@code sequence} and builds its event. */
  static EventEnvelope<PartitionReady> exportChunk(
      ObjectStore store, ObjectKeys keys, DatasetDefinition dataset, LocalDate day, int sequence)
      throws Exception {
    Instant start = day.atStartOfDay().toInstant(ZoneOffset.UTC);
    PartitionExporter exporter = new PartitionExporter(store, keys, Clock.systemUTC());
    Manifest manifest;
    try (Connection connection = connect()) {
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      manifest =
          exporter.export(
              connection,
              dataset,
              PgTables.readSchema(connection, dataset.table()),
              start,
              sequence);
      connection.commit();
    }
    return EventEnvelope.of(
        dataset.name() + "/" + manifest.partition(),
        Instant.now(),
        new PartitionReady(
            manifest.chunkId(),
            dataset.name(),
            manifest.partition(),
            manifest.partitionStart(),
            manifest.partitionEnd(),
            sequence,
            keys.manifestKey(dataset.name(), manifest.chunkId()),
            manifest.objects().stream()
                .map(o -> new ChunkObject(o.key(), o.bytes(), o.sha256(), o.rows(), o.tenant()))
                .toList(),
            manifest.rowCount(),
            manifest.rowDigest()));
  }

  static void publish(String topic, String key, String value) throws Exception {
    DevStackTestResource.current().publish(topic, key, value);
  }

  static List<String> published(String topic) {
    return DevStackTestResource.current().records(topic);
  }

  static void awaitState(EventEnvelope<PartitionReady> event, String state) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> state.equals(stateOrNull(event)));
  }

  static String stateOrNull(EventEnvelope<PartitionReady> event) {
    var response = given().get("/api/v1/chunks/" + event.payload().chunkId());
    return response.statusCode() == 200 ? response.path("state") : null;
  }

  static String state(EventEnvelope<PartitionReady> event) {
    return given()
        .get("/api/v1/chunks/" + event.payload().chunkId())
        .then()
        .statusCode(200)
        .extract()
        .path("state");
  }

  static long coldViews(ObjectStore store, EventEnvelope<PartitionReady> event) throws Exception {
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

  static long audited(String action, EventEnvelope<PartitionReady> event) throws Exception {
    return count(
        "SELECT count(*) FROM archive.audit_log WHERE action = '"
            + action
            + "' AND chunk_id = '"
            + event.payload().chunkId()
            + "'");
  }

  static long hotRows(LocalDate day) throws Exception {
    return count("SELECT count(*) FROM public.pageviews WHERE date = '" + day + "'");
  }

  static long views(LocalDate day) throws Exception {
    return count(
        "SELECT coalesce(sum(view_count), 0) FROM public.pageviews WHERE date = '" + day + "'");
  }

  static void insertLateRow(LocalDate day, long id) throws Exception {
    try (Connection connection = connect();
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO public.pageviews VALUES (?, 1, 'late', '/late', 5, ?)")) {
      insert.setLong(1, id);
      insert.setObject(2, day);
      insert.executeUpdate();
    }
  }

  /** The JSON body of {@code POST /api/v1/restores}; {@code tenant} may be null. */
  static String restoreBody(String dataset, String from, String to, String tenant) {
    return "{\"dataset\": \""
        + dataset
        + "\", \"from\": \""
        + from
        + "\", \"to\": \""
        + to
        + (tenant == null ? "" : "\", \"tenant\": \"" + tenant)
        + "\", \"reason\": \"audit\", \"requestedBy\": \"archive-it\"}";
  }

  /**
   * Records a restore of the day's {@code chunkIds} as {@code POST /api/v1/restores} would, without
   * starting it.
   *
   * @param tenant null for whole chunks
   * @return the request's id
   */
  static UUID recordRestore(
      DataSource dataSource,
      RestoreRequests requests,
      String dataset,
      LocalDate day,
      String tenant,
      List<UUID> chunkIds) {
    UUID requestId = UUID.randomUUID();
    java.time.Instant from = day.atStartOfDay().toInstant(ZoneOffset.UTC);
    Transactions.inTransaction(
        dataSource,
        c ->
            requests.create(
                c,
                new RestoreRequested(
                    requestId, dataset, from, from.plusSeconds(86_400), tenant, "test", "it"),
                tenant,
                chunkIds,
                null));
    return requestId;
  }

  static long count(String sql) throws Exception {
    return DevStackTestResource.current().queryLong(sql);
  }

  static Connection connect() throws Exception {
    return DevStackTestResource.current().connect();
  }
}
