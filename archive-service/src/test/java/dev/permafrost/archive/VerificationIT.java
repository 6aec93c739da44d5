package dev.permafrost.archive;

import static dev.permafrost.archive.ArchiveFixtures.audited;
import static dev.permafrost.archive.ArchiveFixtures.connect;
import static dev.permafrost.archive.ArchiveFixtures.count;
import static dev.permafrost.archive.ArchiveFixtures.exportChunk;
import static dev.permafrost.archive.ArchiveFixtures.hotRows;
import static dev.permafrost.archive.ArchiveFixtures.state;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.archive.persistence.RestoreRequests;
import dev.permafrost.archive.schedule.ObjectCollector;
import dev.permafrost.archive.service.ArchiveLifecycle;
import dev.permafrost.archive.service.Compaction;
import dev.permafrost.archive.service.Failpoints;
import dev.permafrost.archive.service.RestoreService;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.v1.ChunkObject;
import dev.permafrost.contracts.v1.PartitionReady;
import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.support.config.Datasets;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Verification on demand and by range, damaged objects of every kind, and the prune policy: off by
 * default, then only after the cooling window.
 */
@QuarkusTest
@QuarkusTestResource(DevStackTestResource.class)
class VerificationIT {

  /** Days of their own, apart from the other archive tests' days. */
  private static final LocalDate FIRST_DAY = LocalDate.now(ZoneOffset.UTC).minusDays(60);

  @Inject ObjectStore store;
  @Inject ObjectKeys keys;
  @Inject Datasets datasets;
  @Inject ArchiveLifecycle lifecycle;
  @Inject Failpoints failpoints;
  @Inject ObjectCollector collector;
  @Inject Compaction compaction;
  @Inject RestoreService restores;
  @Inject RestoreRequests restoreRequests;
  @Inject javax.sql.DataSource dataSource;
  @Inject S3Client s3;

  @BeforeAll
  static void loadDays() throws Exception {
    try (Connection connection = connect()) {
      DemoData.createPageviewsTable(connection);
      DemoData.loadPageviews(connection, FIRST_DAY, 11, 1_000, 70_000_000, 5);
    }
  }

  @Test
  void pruningIsOffByDefaultAndThenWaitsForTheCoolingWindow() throws Exception {
    LocalDate day = FIRST_DAY;
    long rows = hotRows(day);
    EventEnvelope<PartitionReady> guarded = export("guarded_pageviews", day);
    assertThat(lifecycle.onPartitionReady(guarded)).isEqualTo(ChunkState.VERIFIED);
    assertThat(lifecycle.drive(guarded.payload().chunkId(), Optional.empty()))
        .isEqualTo(ChunkState.VERIFIED);
    assertThat(hotRows(day)).isEqualTo(rows);

    EventEnvelope<PartitionReady> cooled = export("cooled_pageviews", day);
    assertThat(lifecycle.onPartitionReady(cooled)).isEqualTo(ChunkState.VERIFIED);
    assertThat(hotRows(day)).as("still cooling").isEqualTo(rows);

    // An hour later (moved back rather than waited for), the chunk is due and pruned.
    DevStackTestResource.current()
        .execute(
            "UPDATE archive.chunk SET state_changed_at = now() - interval '61 minutes'"
                + " WHERE chunk_id = '"
                + cooled.payload().chunkId()
                + "'");
    assertThat(lifecycle.drive(cooled.payload().chunkId(), Optional.empty()))
        .isEqualTo(ChunkState.ACTIVE);
    assertThat(hotRows(day)).isZero();
    assertThat(audited("PRUNED", cooled)).isEqualTo(1);
  }

  @Test
  void aTruncatedObjectAndAnObjectSwappedForOneWithTheSameRowCountEndCorrupt() throws Exception {
    LocalDate truncatedDay = FIRST_DAY.plusDays(1);
    LocalDate swappedDay = FIRST_DAY.plusDays(2);
    long truncatedRows = hotRows(truncatedDay);
    long swappedRows = hotRows(swappedDay);
    EventEnvelope<PartitionReady> truncated = export("pageviews", truncatedDay);
    EventEnvelope<PartitionReady> swapped = export("pageviews", swappedDay);
    ChunkObject truncatedObject = truncated.payload().objects().get(0);
    byte[] bytes = store.getBytes(truncatedObject.key());
    overwrite(truncatedObject.key(), Arrays.copyOf(bytes, bytes.length - 100));
    // The other day's file has as many rows, and is a valid file of the same table.
    assertThat(swappedRows).isEqualTo(truncatedRows);
    overwrite(swapped.payload().objects().get(0).key(), bytes);

    assertThat(lifecycle.onPartitionReady(truncated)).isEqualTo(ChunkState.CORRUPT);
    assertThat(lifecycle.onPartitionReady(swapped)).isEqualTo(ChunkState.CORRUPT);
    assertThat(hotRows(truncatedDay)).isEqualTo(truncatedRows);
    assertThat(hotRows(swappedDay)).isEqualTo(swappedRows);
    given()
        .get("/api/v1/chunks/" + swapped.payload().chunkId())
        .then()
        .statusCode(200)
        .body("lastError", containsString("sha256"));
  }

  @Test
  void onDemandVerificationFindsDamageToAnActiveChunkAndARepairedCorruptChunkRecovers()
      throws Exception {
    LocalDate day = FIRST_DAY.plusDays(3);
    EventEnvelope<PartitionReady> event = export("pageviews", day);
    assertThat(lifecycle.onPartitionReady(event)).isEqualTo(ChunkState.ACTIVE);
    String chunkId = event.payload().chunkId().toString();

    given()
        .post("/api/v1/chunks/" + chunkId + "/verify")
        .then()
        .statusCode(200)
        .body("intact", equalTo(true))
        .body("state", equalTo("ACTIVE"))
        .body("rows", equalTo((int) event.payload().rowCount()));

    ChunkObject object = event.payload().objects().get(0);
    byte[] original = store.getBytes(object.key());
    byte[] flipped = original.clone();
    flipped[flipped.length / 3] ^= 1;
    overwrite(object.key(), flipped);
    given()
        .post("/api/v1/chunks/" + chunkId + "/verify")
        .then()
        .statusCode(200)
        .body("intact", equalTo(false))
        .body("state", equalTo("ACTIVE"))
        .body("problems[0]", containsString(object.key()));
    assertThat(state(event)).as("queries over it fail rather than go empty").isEqualTo("ACTIVE");
    assertThat(audited("CORRUPT", event)).isEqualTo(1);
    given()
        .get("/api/v1/datasets/pageviews/verify?from=" + day + "&to=" + day.plusDays(1))
        .then()
        .statusCode(200)
        .body("intact", equalTo(0))
        .body("damaged", equalTo(1))
        .body("chunks[0].chunkId", equalTo(chunkId));

    // A chunk found corrupt before its prune becomes VERIFIED once its object is put right.
    LocalDate corruptDay = FIRST_DAY.plusDays(4);
    EventEnvelope<PartitionReady> corrupt = export("guarded_pageviews", corruptDay);
    ChunkObject corruptObject = corrupt.payload().objects().get(0);
    byte[] good = store.getBytes(corruptObject.key());
    overwrite(corruptObject.key(), Arrays.copyOf(good, 10));
    assertThat(lifecycle.onPartitionReady(corrupt)).isEqualTo(ChunkState.CORRUPT);
    overwrite(corruptObject.key(), good);
    given()
        .post("/api/v1/chunks/" + corrupt.payload().chunkId() + "/verify")
        .then()
        .statusCode(200)
        .body("intact", equalTo(true))
        .body("state", equalTo("VERIFIED"));
    assertThat(hotRows(corruptDay)).isPositive();
  }

  @Test
  void statusCountsEachTierFromTheCatalogAndTheTableAndTheAuditListsDeletions() throws Exception {
    EventEnvelope<PartitionReady> event = export("pageviews", FIRST_DAY.plusDays(5));
    assertThat(lifecycle.onPartitionReady(event)).isEqualTo(ChunkState.ACTIVE);

    long hot = count("SELECT count(*) FROM public.pageviews");
    long cold =
        count(
            "SELECT sum(row_count) FROM archive.chunk WHERE dataset = 'pageviews'"
                + " AND state = 'ACTIVE'");
    String oldest =
        String.valueOf(count("SELECT (min(date) - date '1970-01-01') FROM public.pageviews"));
    var status = given().get("/api/v1/datasets/pageviews/status").then().statusCode(200).extract();
    assertThat(status.<Integer>path("hotRows").longValue()).isEqualTo(hot);
    assertThat(status.<Integer>path("coldRows").longValue()).isEqualTo(cold).isPositive();
    assertThat(status.<Integer>path("chunksByState.ACTIVE")).isPositive();
    assertThat(status.<Integer>path("postgresBytes")).isPositive();
    assertThat(LocalDate.parse(status.path("oldestUnarchivedPartition")).toEpochDay())
        .isEqualTo(Long.parseLong(oldest));

    given()
        .get("/api/v1/audit?dataset=pageviews&action=PRUNED&chunk=" + event.payload().chunkId())
        .then()
        .statusCode(200)
        .body("size()", equalTo(1))
        .body("[0].rows", equalTo((int) event.payload().rowCount()))
        .body("[0].rowDigest", equalTo(event.payload().rowDigest()));
    given()
        .get("/api/v1/audit?action=DROPPED")
        .then()
        .statusCode(400)
        .body(
            "detail",
            containsString(
                "allowed: [VERIFIED, CORRUPT, PRUNED, RESTORED, PURGED, COMPACTED, OBJECT_DELETED]"));
    given().get("/api/v1/audit?limit=0").then().statusCode(400);
    given()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString("permafrost_archive_chunks{state=\"ACTIVE\"}"))
        .body(containsString("permafrost_archive_verifications_total"));
  }

  @Test
  void aLaterChunkBeforeAReplayOfTheFirstAndAnEventForAChunkThatDoesNotExistChangeNothingWrongly()
      throws Exception {
    LocalDate day = FIRST_DAY.plusDays(6);
    long rows = hotRows(day);
    EventEnvelope<PartitionReady> first = export("pageviews", day);
    assertThat(lifecycle.onPartitionReady(first)).isEqualTo(ChunkState.ACTIVE);
    DevStackTestResource.current()
        .execute(
            "INSERT INTO public.pageviews VALUES (79000001, 1, 'late', '/late', 5, '"
                + day
                + "'), (79000002, 2, 'late', '/late', 7, '"
                + day
                + "')");
    EventEnvelope<PartitionReady> second =
        exportChunk(store, keys, datasets.find("pageviews"), day, 2);
    assertThat(second.payload().rowCount()).isEqualTo(2);

    assertThat(lifecycle.onPartitionReady(second)).isEqualTo(ChunkState.ACTIVE);
    assertThat(lifecycle.onPartitionReady(first)).isEqualTo(ChunkState.ACTIVE); // a replay
    assertThat(hotRows(day)).isZero();
    assertThat(audited("PRUNED", first)).isEqualTo(1);
    assertThat(audited("PRUNED", second)).isEqualTo(1);
    assertThat(
            count(
                "SELECT sum(row_count) FROM archive.chunk WHERE dataset = 'pageviews'"
                    + " AND partition = '"
                    + day
                    + "' AND state = 'ACTIVE'"))
        .isEqualTo(rows + 2);

    // An event for a chunk nobody wrote: registered, found missing, hot rows untouched.
    LocalDate otherDay = FIRST_DAY.plusDays(7);
    long otherRows = hotRows(otherDay);
    EventEnvelope<PartitionReady> real = export("guarded_pageviews", otherDay);
    PartitionReady payload = real.payload();
    UUID phantomId = UUID.randomUUID();
    EventEnvelope<PartitionReady> phantom =
        EventEnvelope.of(
            real.key(),
            java.time.Instant.now(),
            new PartitionReady(
                phantomId,
                "pageviews",
                payload.partition(),
                payload.partitionStart(),
                payload.partitionEnd(),
                7,
                keys.manifestKey("pageviews", phantomId),
                payload.objects(),
                payload.rowCount(),
                payload.rowDigest()));
    assertThat(lifecycle.onPartitionReady(phantom)).isEqualTo(ChunkState.CORRUPT);
    assertThat(hotRows(otherDay)).isEqualTo(otherRows);
  }

  @Test
  void rowsInsertedWhileAPruneRunsSurviveIt() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(8);
    long rows = hotRows(day);
    EventEnvelope<PartitionReady> event = export("pageviews", day);
    failpoints.arm(
        Failpoints.PRUNE_AFTER_READ_BACK,
        () -> {
          try {
            DevStackTestResource.current()
                .execute(
                    "INSERT INTO public.pageviews VALUES (79000003, 3, 'mid', '/mid', 9, '"
                        + day
                        + "')");
          } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
          }
        });
    assertThat(lifecycle.onPartitionReady(event)).isEqualTo(ChunkState.ACTIVE);
    assertThat(event.payload().rowCount()).isEqualTo(rows);
    assertThat(hotRows(day)).isEqualTo(1);
  }

  @Test
  void unreferencedObjectsAreDeletedAfterTheirGracePeriodAndReferencedOnesNever() throws Exception {
    EventEnvelope<PartitionReady> active = export("pageviews", FIRST_DAY.plusDays(9));
    assertThat(lifecycle.onPartitionReady(active)).isEqualTo(ChunkState.ACTIVE);
    UUID strayChunk = UUID.randomUUID();
    String strayObject =
        "cold/pageviews/year=2001/month=01/day=01/chunk-" + strayChunk + "-1.parquet";
    String strayManifest = keys.manifestKey("pageviews", strayChunk);
    overwrite(strayObject, new byte[] {1, 2, 3});
    overwrite(strayManifest, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    assertThat(collector.collect(java.time.Duration.ofHours(1))).isEmpty(); // too young
    assertThat(collector.collect(java.time.Duration.ZERO))
        .contains(strayObject, strayManifest)
        .doesNotContain(active.payload().objects().get(0).key(), active.payload().manifestKey());
    assertThat(store.exists(strayObject)).isFalse();
    assertThat(store.exists(strayManifest)).isFalse();
    assertThat(store.exists(active.payload().objects().get(0).key())).isTrue();
    assertThat(
            count(
                "SELECT count(*) FROM archive.audit_log WHERE action = 'OBJECT_DELETED'"
                    + " AND detail LIKE '%"
                    + strayChunk
                    + "%'"))
        .isEqualTo(2);
  }

  @Test
  void aPartitionOfManySmallChunksIsMergedIntoOneThatHoldsExactlyTheirRows() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(10);
    List<EventEnvelope<PartitionReady>> chunks = new java.util.ArrayList<>();
    chunks.add(export("pageviews", day));
    assertThat(lifecycle.onPartitionReady(chunks.get(0))).isEqualTo(ChunkState.ACTIVE);
    for (int sequence = 2; sequence <= 4; sequence++) {
      DevStackTestResource.current()
          .execute(
              "INSERT INTO public.pageviews VALUES ("
                  + (79_100_000 + sequence)
                  + ", 1, 'late', '/late', "
                  + sequence
                  + ", '"
                  + day
                  + "')");
      EventEnvelope<PartitionReady> late =
          exportChunk(store, keys, datasets.find("pageviews"), day, sequence);
      assertThat(lifecycle.onPartitionReady(late)).isEqualTo(ChunkState.ACTIVE);
      chunks.add(late);
    }
    long rows = chunks.stream().mapToLong(c -> c.payload().rowCount()).sum();

    UUID merged = compaction.compact("pageviews", day.toString()).orElseThrow();

    var chunk = given().get("/api/v1/chunks/" + merged).then().statusCode(200).extract();
    assertThat(chunk.<String>path("state")).isEqualTo("ACTIVE");
    assertThat(chunk.<Integer>path("rowCount").longValue()).isEqualTo(rows);
    for (EventEnvelope<PartitionReady> source : chunks) {
      assertThat(ArchiveFixtures.state(source)).isEqualTo("SUPERSEDED");
      // Kept for the grace period: a query that read the catalog before the merge reads them.
      assertThat(store.exists(source.payload().objects().get(0).key())).isTrue();
    }
    assertThat(
            count(
                "SELECT count(*) FROM archive.doomed_object WHERE delete_after > now()"
                    + " AND object_key LIKE '%"
                    + chunks.get(0).payload().chunkId()
                    + "%'"))
        .isEqualTo(2); // its data file and its manifest
    given()
        .post("/api/v1/chunks/" + merged + "/verify")
        .then()
        .statusCode(200)
        .body("intact", equalTo(true));
    assertThat(compaction.compact("pageviews", day.toString())).isEmpty();

    // A restore recorded for the sources before the merge restores the merged chunk instead.
    UUID requestId =
        ArchiveFixtures.recordRestore(
            dataSource,
            restoreRequests,
            "pageviews",
            day,
            /* tenant= */ null,
            chunks.stream().map(e -> e.payload().chunkId()).toList());
    var restored = restores.run(requestId);
    assertThat(restored.state()).isEqualTo("DONE");
    assertThat(restored.rowsRestored()).isEqualTo(rows);
    assertThat(hotRows(day)).isEqualTo(rows);
    assertThat(given().get("/api/v1/chunks/" + merged).then().extract().<String>path("state"))
        .isEqualTo("RESTORED");
    assertThat(
            count(
                "SELECT count(*) FROM archive.audit_log WHERE action = 'COMPACTED'"
                    + " AND chunk_id = '"
                    + merged
                    + "'"))
        .isEqualTo(1);
  }

  @Test
  void badVerificationRequestsAreProblemsNamingWhatIsAllowed() {
    given()
        .post("/api/v1/chunks/not-a-uuid/verify")
        .then()
        .statusCode(400)
        .contentType("application/problem+json");
    given()
        .post("/api/v1/chunks/00000000-0000-0000-0000-000000000000/verify")
        .then()
        .statusCode(404)
        .contentType("application/problem+json");
    given()
        .get("/api/v1/datasets/pageviews/verify?from=yesterday&to=2026-11-01")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("detail", containsString("allowed: a date like 2026-11-20"));
    given()
        .get("/api/v1/datasets/nope/verify?from=2026-10-01&to=2026-11-01")
        .then()
        .statusCode(404)
        .body("detail", containsString("pageviews"));
  }

  private EventEnvelope<PartitionReady> export(String dataset, LocalDate day) throws Exception {
    return exportChunk(store, keys, datasets.find(dataset), day);
  }

  private void overwrite(String key, byte[] bytes) {
    s3.putObject(b -> b.bucket(store.bucket()).key(key), RequestBody.fromBytes(bytes));
  }
}
