package dev.permafrost.archive;

import static dev.permafrost.archive.ArchiveFixtures.audited;
import static dev.permafrost.archive.ArchiveFixtures.awaitState;
import static dev.permafrost.archive.ArchiveFixtures.connect;
import static dev.permafrost.archive.ArchiveFixtures.count;
import static dev.permafrost.archive.ArchiveFixtures.hotRows;
import static dev.permafrost.archive.ArchiveFixtures.insertLateRow;
import static dev.permafrost.archive.ArchiveFixtures.publish;
import static dev.permafrost.archive.ArchiveFixtures.published;
import static dev.permafrost.archive.ArchiveFixtures.state;
import static dev.permafrost.archive.ArchiveFixtures.views;
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
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.support.config.Datasets;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
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
  void aCrashAtAnyStepOfVerifyOrPruneLosesNoRowAndCountsNoneTwice() throws Exception {
    Map<String, LocalDate> days =
        Map.of(
            Failpoints.VERIFY_BEFORE_COMMIT, FIRST_DAY.plusDays(5),
            Failpoints.PRUNE_AFTER_READ_BACK, FIRST_DAY.plusDays(2),
            Failpoints.PRUNE_BEFORE_COMMIT, FIRST_DAY.plusDays(3));
    for (String failpoint : days.keySet()) {
      LocalDate day = days.get(failpoint);
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
      assertThat(state(event))
          .as("after a crash at %s", failpoint)
          .isEqualTo(failpoint.equals(Failpoints.VERIFY_BEFORE_COMMIT) ? "EXPORTED" : "VERIFIED");
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

  private EventEnvelope<PartitionReady> exportChunk(LocalDate day) throws Exception {
    return exportChunk(datasets.find("pageviews"), day);
  }

  private EventEnvelope<PartitionReady> exportChunk(DatasetDefinition dataset, LocalDate day)
      throws Exception {
    return ArchiveFixtures.exportChunk(store, keys, dataset, day);
  }

  private long coldViews(EventEnvelope<PartitionReady> event) throws Exception {
    return ArchiveFixtures.coldViews(store, event);
  }

  /** What a crash of the service does to the work in flight: the work stops at that line. */
  static final class SimulatedCrash extends RuntimeException {
    SimulatedCrash(String where) {
      super("simulated crash at " + where);
    }
  }
}
