package dev.permafrost.archive;

import static dev.permafrost.archive.ArchiveFixtures.connect;
import static dev.permafrost.archive.ArchiveFixtures.count;
import static dev.permafrost.archive.ArchiveFixtures.exportChunk;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;

import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.archive.domain.Erasure;
import dev.permafrost.archive.domain.PurgePlan;
import dev.permafrost.archive.domain.RestoreStatus;
import dev.permafrost.archive.persistence.RestoreRequests;
import dev.permafrost.archive.service.ArchiveLifecycle;
import dev.permafrost.archive.service.ChunkVerifier;
import dev.permafrost.archive.service.Failpoints;
import dev.permafrost.archive.service.RestoreService;
import dev.permafrost.archive.service.TenantPurge;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.v1.ChunkObject;
import dev.permafrost.contracts.v1.PartitionReady;
import dev.permafrost.contracts.v1.TenantPurgeRequested;
import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.format.ChunkFileReader;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.RowDigest;
import dev.permafrost.format.TableSchema;
import dev.permafrost.support.config.Datasets;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Erasing a tenant removes its rows from hot rows and from every chunk, split per tenant or not,
 * whatever state the chunk is in; every other tenant's rows stay exactly as they were; a chunk
 * announced after the erasure is rewritten before it can bring the tenant back; a crash at any step
 * and a retry end in the same state, with every erased row counted once. A restore of one tenant
 * brings back its rows only, and every other row stays cold.
 */
@QuarkusTest
@QuarkusTestResource(DevStackTestResource.class)
class PurgeIT {

  private static final String DATASET = "tenant_pageviews";

  /** Days of their own, apart from the other archive tests' days. */
  private static final LocalDate FIRST_DAY = LocalDate.now(ZoneOffset.UTC).minusDays(130);

  @Inject ObjectStore store;
  @Inject ObjectKeys keys;
  @Inject Datasets datasets;
  @Inject ArchiveLifecycle lifecycle;
  @Inject ChunkVerifier verifier;
  @Inject TenantPurge purge;
  @Inject RestoreService restores;
  @Inject RestoreRequests restoreRequests;
  @Inject DataSource dataSource;
  @Inject Failpoints failpoints;

  @BeforeAll
  static void loadDays() throws Exception {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      DemoData.createPageviewsTable(connection);
      statement.execute(
          "CREATE TABLE public.tenant_pageviews (LIKE public.pageviews INCLUDING ALL)");
      DemoData.loadPageviews(connection, FIRST_DAY, 11, 600, 90_000_000, 9);
      statement.execute(
          "WITH moved AS (DELETE FROM public.pageviews WHERE id >= 90000000 AND id < 91000000"
              + " RETURNING *) INSERT INTO public.tenant_pageviews SELECT * FROM moved");
    }
  }

  @Test
  void erasureRemovesTheTenantFromEveryTierAndChunkAndLeavesTheOthersAsTheyWere() throws Exception {
    DatasetDefinition dataset = datasets.find(DATASET);
    DatasetDefinition split =
        dataset.withLayout(new DatasetDefinition.FileLayout("ZSTD", 64 << 10, 64 << 10, true));
    // Day 0 pruned as one file, day 1 pruned split per tenant, day 2 verified but not pruned,
    // day 3 exported before the erasure but announced after it, day 4 hot.
    EventEnvelope<PartitionReady> mixed = exportChunk(store, keys, dataset, FIRST_DAY);
    EventEnvelope<PartitionReady> perTenant =
        exportChunk(store, keys, split, FIRST_DAY.plusDays(1));
    EventEnvelope<PartitionReady> verified =
        exportChunk(store, keys, dataset, FIRST_DAY.plusDays(2));
    EventEnvelope<PartitionReady> late = exportChunk(store, keys, dataset, FIRST_DAY.plusDays(3));
    assertThat(lifecycle.onPartitionReady(mixed)).isEqualTo(ChunkState.ACTIVE);
    assertThat(lifecycle.onPartitionReady(perTenant)).isEqualTo(ChunkState.ACTIVE);
    lifecycle.register(verified);
    assertThat(verifier.verify(verified.payload().chunkId()).state())
        .isEqualTo(ChunkState.VERIFIED);

    String tenant = "3";
    Map<String, long[]> before = rowsAndViewsPerTenant();
    Map<String, String> digestsBefore = digestsPerTenant();
    long tenantHot = count("SELECT count(*) FROM public.tenant_pageviews WHERE project_id = 3");
    // In every ACTIVE chunk of the dataset (other tests' too) and in the verified one.
    long tenantInChunks = before.get(tenant)[0] - tenantHot + rowsOf(tenant, verified);
    ChunkObject tenantObject =
        perTenant.payload().objects().stream()
            .filter(o -> tenant.equals(o.tenant()))
            .findFirst()
            .orElseThrow();
    assertThat(before.get(tenant)[0]).isPositive();
    assertThat(tenantInChunks).isPositive();

    // The dry run names what the erasure then removes, and changes nothing.
    PurgePlan plan = purge.plan(tenant, DATASET);
    assertThat(plan.datasets())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.hotRows()).isEqualTo(tenantHot);
              assertThat(p.coldRows()).isEqualTo(tenantInChunks);
              assertThat(p.objects())
                  .anySatisfy(
                      o -> {
                        assertThat(o.key()).isEqualTo(tenantObject.key());
                        assertThat(o.deleted()).isTrue();
                      })
                  .anySatisfy(
                      o -> {
                        assertThat(o.key()).isEqualTo(mixed.payload().objects().get(0).key());
                        assertThat(o.deleted()).isFalse();
                      });
            });
    assertThat(rowsAndViewsPerTenant()).containsOnlyKeys(before.keySet());
    assertThat(count("SELECT count(*) FROM public.tenant_pageviews WHERE project_id = 3"))
        .isEqualTo(tenantHot);

    UUID erasureId = UUID.randomUUID();
    Erasure erasure = purge.purge(request(erasureId, tenant));

    Erasure.DatasetErasure erased = erasure.datasets().get(0);
    assertThat(erased.dataset()).isEqualTo(DATASET);
    assertThat(erased.hotRowsDeleted()).isEqualTo(tenantHot);
    assertThat(erased.coldRowsDeleted()).isEqualTo(tenantInChunks);
    assertThat(erased.chunks())
        .contains(
            mixed.payload().chunkId(), perTenant.payload().chunkId(), verified.payload().chunkId());
    assertThat(erasure.finishedAt()).isNotNull();
    assertThat(store.exists(tenantObject.key())).isFalse();
    assertThat(store.exists(mixed.payload().objects().get(0).key())).isFalse();

    // The verified chunk's replacement is pruned like any chunk: the hot rows match it.
    UUID verifiedReplacement = replacementOf(verified);
    assertThat(lifecycle.drive(verifiedReplacement, java.util.Optional.empty()))
        .isEqualTo(ChunkState.ACTIVE);
    // The late chunk still holds the tenant's rows: it is rewritten before it is pruned.
    assertThat(rowsOf(tenant, late)).isPositive();
    assertThat(lifecycle.onPartitionReady(late)).isEqualTo(ChunkState.ACTIVE);
    assertThat(stateOf(late.payload().chunkId())).isEqualTo("SUPERSEDED");

    Map<String, long[]> after = rowsAndViewsPerTenant();
    assertThat(after).doesNotContainKey(tenant);
    before.remove(tenant);
    assertThat(after.keySet()).isEqualTo(before.keySet());
    before.forEach(
        (t, figures) -> assertThat(after.get(t)).as("tenant %s", t).containsExactly(figures));
    digestsBefore.remove(tenant);
    assertThat(digestsPerTenant()).isEqualTo(digestsBefore);

    // Asked again, the erasure answers with its record and changes nothing.
    assertThat(purge.purge(request(erasureId, tenant))).isEqualTo(erasure);
    given()
        .get("/api/v1/erasures/" + erasureId)
        .then()
        .statusCode(200)
        .body("datasets[0].hotRowsDeleted", org.hamcrest.Matchers.equalTo((int) tenantHot));
  }

  @Test
  void aCrashAtAnyStepOfAnErasureAndARetryEraseEveryRowOnceAndNothingElse() throws Exception {
    DatasetDefinition dataset = datasets.find(DATASET);
    EventEnvelope<PartitionReady> chunk = exportChunk(store, keys, dataset, FIRST_DAY.plusDays(5));
    assertThat(lifecycle.onPartitionReady(chunk)).isEqualTo(ChunkState.ACTIVE);
    List<String> crashPoints =
        List.of(
            Failpoints.PURGE_HOT_BEFORE_COMMIT,
            Failpoints.PURGE_SWAP_BEFORE_COMMIT,
            Failpoints.PURGE_BEFORE_OBJECT_DELETION);
    List<String> tenants = List.of("4", "5", "6");
    for (int i = 0; i < crashPoints.size(); i++) {
      String failpoint = crashPoints.get(i);
      String tenant = tenants.get(i);
      Map<String, long[]> before = rowsAndViewsPerTenant();
      Map<String, String> digestsBefore = digestsPerTenant();
      long hot = count("SELECT count(*) FROM public.tenant_pageviews WHERE project_id = " + tenant);
      failpoints.arm(
          failpoint,
          () -> {
            throw new IllegalStateException("simulated crash at " + failpoint);
          });
      UUID erasureId = UUID.randomUUID();
      assertThatThrownBy(() -> purge.purge(request(erasureId, tenant)))
          .hasMessageContaining("simulated crash");

      Erasure erasure = purge.purge(request(erasureId, tenant));
      assertThat(erasure.datasets().get(0).hotRowsDeleted())
          .as("hot rows after a crash at %s", failpoint)
          .isEqualTo(hot);
      assertThat(erasure.datasets().get(0).coldRowsDeleted())
          .as("cold rows after a crash at %s", failpoint)
          .isEqualTo(before.get(tenant)[0] - hot);
      Map<String, long[]> after = rowsAndViewsPerTenant();
      assertThat(after).doesNotContainKey(tenant);
      before.remove(tenant);
      before.forEach(
          (t, figures) ->
              assertThat(after.get(t))
                  .as("tenant %s at %s", t, failpoint)
                  .containsExactly(figures));
      digestsBefore.remove(tenant);
      assertThat(digestsPerTenant()).as("digests after %s", failpoint).isEqualTo(digestsBefore);
      assertThat(count("SELECT count(*) FROM archive.doomed_object WHERE delete_after <= now()"))
          .as("objects due for deletion left after %s", failpoint)
          .isZero();
    }
  }

  @Test
  void aTenantIsMatchedAsItsColumnSpellsItInEveryTier() throws Exception {
    EventEnvelope<PartitionReady> chunk =
        exportChunk(store, keys, datasets.find(DATASET), FIRST_DAY.plusDays(6));
    assertThat(lifecycle.onPartitionReady(chunk)).isEqualTo(ChunkState.ACTIVE);
    long cold = rowsOf("7", chunk);
    assertThat(cold).isPositive();

    Erasure erasure = purge.purge(request(UUID.randomUUID(), "007")); // an integer column: 7
    assertThat(erasure.datasets().get(0).coldRowsDeleted()).isEqualTo(cold);
    assertThat(rowsAndViewsPerTenant()).doesNotContainKey("7");
  }

  @Test
  void anErasureNamingADatasetWithoutTenantsIsRefusedAndChangesNothing() throws Exception {
    long rows = count("SELECT count(*) FROM public.tenant_pageviews");
    given()
        .post("/api/v1/tenants/3/purge?dataset=guarded_pageviews")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("detail", containsString("has no tenant column; allowed: "))
        .body("detail", containsString(DATASET));
    given()
        .post("/api/v1/tenants/3/purge?dataset=nope")
        .then()
        .statusCode(400)
        .body("detail", containsString("unknown dataset 'nope'"));
    given()
        .post("/api/v1/tenants/three/purge?dataset=" + DATASET)
        .then()
        .statusCode(400)
        .body("detail", containsString("allowed: a value of type integer"));
    assertThat(count("SELECT count(*) FROM public.tenant_pageviews")).isEqualTo(rows);
  }

  @Test
  void aOneTenantRestoreBringsBackItsRowsOnlyAndEveryOtherRowStaysCold() throws Exception {
    DatasetDefinition dataset = datasets.find(DATASET);
    DatasetDefinition split =
        dataset.withLayout(new DatasetDefinition.FileLayout("ZSTD", 64 << 10, 64 << 10, true));
    LocalDate firstDay = FIRST_DAY.plusDays(7);
    EventEnvelope<PartitionReady> mixed = exportChunk(store, keys, dataset, firstDay);
    EventEnvelope<PartitionReady> perTenant = exportChunk(store, keys, split, firstDay.plusDays(1));
    assertThat(lifecycle.onPartitionReady(mixed)).isEqualTo(ChunkState.ACTIVE);
    assertThat(lifecycle.onPartitionReady(perTenant)).isEqualTo(ChunkState.ACTIVE);
    String tenant = "8";
    long tenantCold = rowsOf(tenant, mixed) + rowsOf(tenant, perTenant);
    assertThat(tenantCold).isPositive();
    ChunkObject tenantObject =
        perTenant.payload().objects().stream()
            .filter(o -> tenant.equals(o.tenant()))
            .findFirst()
            .orElseThrow();
    Map<String, long[]> before = rowsAndViewsPerTenant();
    Map<String, String> digestsBefore = digestsPerTenant();
    String days = "date >= '" + firstDay + "' AND date < '" + firstDay.plusDays(2) + "'";
    assertThat(count("SELECT count(*) FROM public.tenant_pageviews WHERE " + days)).isZero();

    CountDownLatch crashed = new CountDownLatch(1);
    failpoints.arm(
        Failpoints.RESTORE_BEFORE_COMMIT,
        () -> {
          crashed.countDown();
          throw new IllegalStateException("simulated crash before a one-tenant restore commits");
        });

    // "08": the tenant as a caller may spell it, matched as the integer column holds it.
    UUID requestId = startTenantRestore("08", firstDay, firstDay.plusDays(2), 2);
    assertThat(crashed.await(60, TimeUnit.SECONDS)).isTrue();
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> restores.status(requestId).orElseThrow().chunksDone() == 1);
    // One chunk's restore died before its commit: its rows are all still cold, each row once.
    assertThat(restores.status(requestId).orElseThrow().state()).isEqualTo("RUNNING");
    assertThat(digestsPerTenant()).isEqualTo(digestsBefore);

    RestoreStatus restored = restores.run(requestId); // as the reconciler resumes it

    assertThat(restored.state()).as("error: %s", restored.error()).isEqualTo("DONE");
    assertThat(restored.tenant()).isEqualTo(tenant);
    assertThat(restored.rowsRestored()).isEqualTo(tenantCold);
    assertThat(count("SELECT count(*) FROM public.tenant_pageviews WHERE " + days))
        .isEqualTo(tenantCold);
    assertThat(
            count("SELECT count(*) FROM public.tenant_pageviews WHERE project_id <> 8 AND " + days))
        .isZero();
    // Every tenant, the restored one included, has each of its rows once across both tiers.
    assertThat(rowsAndViewsPerTenant()).usingRecursiveComparison().isEqualTo(before);
    assertThat(digestsPerTenant()).isEqualTo(digestsBefore);
    assertThat(stateOf(mixed.payload().chunkId())).isEqualTo("SUPERSEDED");
    assertThat(stateOf(replacementOf(mixed))).isEqualTo("ACTIVE");
    assertThat(stateOf(perTenant.payload().chunkId())).isEqualTo("SUPERSEDED");
    assertThat(stateOf(replacementOf(perTenant))).isEqualTo("ACTIVE");
    assertThat(
            count(
                "SELECT count(*) FROM archive.doomed_object WHERE object_key = '"
                    + tenantObject.key()
                    + "'"))
        .as("the tenant's own object is deleted after the grace")
        .isEqualTo(1);
    assertThat(
            count(
                "SELECT count(*) FROM archive.chunk_object WHERE chunk_id = '"
                    + replacementOf(perTenant)
                    + "' AND tenant = '"
                    + tenant
                    + "'"))
        .isZero();

    // Again: the tenant has nothing cold left there, so nothing moves.
    UUID againId = startTenantRestore(tenant, firstDay, firstDay.plusDays(2), 2);
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !"RUNNING".equals(restores.status(againId).orElseThrow().state()));
    RestoreStatus again = restores.status(againId).orElseThrow();
    assertThat(again.state()).isEqualTo("DONE");
    assertThat(again.rowsRestored()).isZero();
    assertThat(digestsPerTenant()).isEqualTo(digestsBefore);
  }

  @Test
  void aOneTenantRestoreThatCannotBeIsRefusedAndRecordsNothing() throws Exception {
    long requests = count("SELECT count(*) FROM archive.restore_request");
    LocalDate day = FIRST_DAY.plusDays(9);
    given()
        .contentType(ContentType.JSON)
        .body(restoreBody("guarded_pageviews", "3", day))
        .post("/api/v1/restores")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("detail", containsString("has no tenant column"));
    given()
        .contentType(ContentType.JSON)
        .body(restoreBody(DATASET, "three", day))
        .post("/api/v1/restores")
        .then()
        .statusCode(400)
        .body("detail", containsString("allowed: a value of type integer"));
    purge.purge(request(UUID.randomUUID(), "10"));
    given()
        .contentType(ContentType.JSON)
        .body(restoreBody(DATASET, "10", day))
        .post("/api/v1/restores")
        .then()
        .statusCode(409)
        .body("detail", containsString("tenant 10 of " + DATASET + " was erased"));
    assertThat(count("SELECT count(*) FROM archive.restore_request")).isEqualTo(requests);
  }

  @Test
  void aTenantErasedAfterItsRestoreWasAskedForDoesNotComeBack() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(9);
    EventEnvelope<PartitionReady> chunk = exportChunk(store, keys, datasets.find(DATASET), day);
    assertThat(lifecycle.onPartitionReady(chunk)).isEqualTo(ChunkState.ACTIVE);
    String tenant = "11";
    assertThat(rowsOf(tenant, chunk)).isPositive();
    UUID requestId =
        ArchiveFixtures.recordRestore(
            dataSource, restoreRequests, DATASET, day, tenant, List.of(chunk.payload().chunkId()));

    purge.purge(request(UUID.randomUUID(), tenant));
    RestoreStatus restored = restores.run(requestId);

    // The request follows the chunk to its rewrite, which holds none of the tenant's rows.
    assertThat(restored.state()).as("error: %s", restored.error()).isEqualTo("DONE");
    assertThat(restored.rowsRestored()).isZero();
    assertThat(count("SELECT count(*) FROM public.tenant_pageviews WHERE project_id = 11"))
        .isZero();
    assertThat(rowsAndViewsPerTenant()).doesNotContainKey(tenant);
  }

  @Test
  void aOneTenantRestoreOfADamagedChunkFailsSayingSoAndRestoresNothing() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(10);
    EventEnvelope<PartitionReady> chunk = exportChunk(store, keys, datasets.find(DATASET), day);
    assertThat(lifecycle.onPartitionReady(chunk)).isEqualTo(ChunkState.ACTIVE);
    ChunkObject object = chunk.payload().objects().get(0);
    byte[] good = store.getBytes(object.key());
    byte[] flipped = good.clone();
    flipped[flipped.length / 2] ^= 0x01;
    overwrite(object.key(), flipped);
    try {
      UUID requestId = startTenantRestore("12", day, day.plusDays(1), 1);
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> !"RUNNING".equals(restores.status(requestId).orElseThrow().state()));

      RestoreStatus failed = restores.status(requestId).orElseThrow();
      assertThat(failed.state()).isEqualTo("FAILED");
      assertThat(failed.error()).contains("cold copy is damaged").contains(object.key());
      assertThat(count("SELECT count(*) FROM public.tenant_pageviews WHERE date = '" + day + "'"))
          .isZero();
      assertThat(stateOf(chunk.payload().chunkId())).isEqualTo("ACTIVE");
    } finally {
      overwrite(object.key(), good); // the other tests erase across every chunk
    }
  }

  private void overwrite(String key, byte[] bytes) {
    DevStackTestResource.current()
        .s3Client()
        .putObject(
            b -> b.bucket(store.bucket()).key(key),
            software.amazon.awssdk.core.sync.RequestBody.fromBytes(bytes));
  }

  private static String restoreBody(String dataset, String tenant, LocalDate day) {
    return restoreBody(dataset, tenant, day, day.plusDays(1));
  }

  private static String restoreBody(String dataset, String tenant, LocalDate from, LocalDate to) {
    return ArchiveFixtures.restoreBody(dataset, from.toString(), to.toString(), tenant);
  }

  /** Asks over HTTP for the tenant's rows of the range, expecting {@code chunks} chunks. */
  private static UUID startTenantRestore(String tenant, LocalDate from, LocalDate to, int chunks) {
    String id =
        given()
            .contentType(ContentType.JSON)
            .body(restoreBody(DATASET, tenant, from, to))
            .post("/api/v1/restores")
            .then()
            .statusCode(202)
            .body("chunksTotal", org.hamcrest.Matchers.equalTo(chunks))
            .extract()
            .path("requestId");
    return UUID.fromString(id);
  }

  private static TenantPurgeRequested request(UUID erasureId, String tenant) {
    return new TenantPurgeRequested(erasureId, tenant, DATASET, "test", "purge-it");
  }

  private static UUID replacementOf(EventEnvelope<PartitionReady> event) throws Exception {
    try (Connection connection = connect();
        ResultSet rs =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT replaced_by FROM archive.chunk WHERE chunk_id = '"
                        + event.payload().chunkId()
                        + "'")) {
      rs.next();
      return rs.getObject(1, UUID.class);
    }
  }

  private static String stateOf(UUID chunkId) throws Exception {
    try (Connection connection = connect();
        ResultSet rs =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT state FROM archive.chunk WHERE chunk_id = '" + chunkId + "'")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Rows of the tenant in the chunk's objects as exported. */
  private long rowsOf(String tenant, EventEnvelope<PartitionReady> event) throws Exception {
    long rows = 0;
    for (ChunkObject object : event.payload().objects()) {
      if (!store.exists(object.key())) {
        continue;
      }
      rows += perTenant(List.of(object.key())).getOrDefault(tenant, new long[2])[0];
    }
    return rows;
  }

  /**
   * Rows and views per tenant across both tiers, as a query over one table holding all rows would
   * see them: hot rows plus the rows of ACTIVE chunks.
   */
  private Map<String, long[]> rowsAndViewsPerTenant() throws Exception {
    Map<String, long[]> totals = new TreeMap<>();
    try (Connection connection = connect();
        ResultSet rs =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT project_id::text, count(*), sum(view_count) FROM public.tenant_pageviews"
                        + " GROUP BY 1")) {
      while (rs.next()) {
        totals.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
      }
    }
    List<String> activeObjects = activeObjectKeys();
    perTenant(activeObjects)
        .forEach(
            (tenant, figures) ->
                totals.merge(tenant, figures, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]}));
    return totals;
  }

  /**
   * Each tenant's row count and row digest across both tiers: its hot rows plus its rows in ACTIVE
   * chunks, as {@code count/digest}.
   */
  private Map<String, String> digestsPerTenant() throws Exception {
    Map<String, RowDigest> digests = new TreeMap<>();
    TableSchema schema;
    try (Connection connection = connect()) {
      schema = PgTables.readSchema(connection, "public.tenant_pageviews");
      int tenantIndex = schema.indexOf("project_id");
      try (ResultSet rs =
          connection
              .createStatement()
              .executeQuery("SELECT " + schema.selectList() + " FROM public.tenant_pageviews")) {
        while (rs.next()) {
          Object[] row = PgTables.readRow(rs, schema);
          digests.computeIfAbsent(row[tenantIndex].toString(), t -> new RowDigest(schema)).add(row);
        }
      }
      List<String> activeObjects = activeObjectKeys();
      for (String key : activeObjects) {
        Path file =
            Path.of("target", "purge-it-" + UUID.randomUUID() + ".parquet").toAbsolutePath();
        store.download(key, file);
        try {
          ChunkFileReader.read(
              file,
              schema,
              row ->
                  digests
                      .computeIfAbsent(row[tenantIndex].toString(), t -> new RowDigest(schema))
                      .add(row));
        } finally {
          Files.deleteIfExists(file);
        }
      }
    }
    Map<String, String> result = new TreeMap<>();
    digests.forEach((tenant, digest) -> result.put(tenant, digest.count() + "/" + digest.hex()));
    return result;
  }

  private Map<String, long[]> perTenant(List<String> objectKeys) throws Exception {
    Map<String, long[]> totals = new TreeMap<>();
    for (String key : objectKeys) {
      Path file = Path.of("target", "purge-it-" + UUID.randomUUID() + ".parquet").toAbsolutePath();
      store.download(key, file);
      try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
          ResultSet rs =
              duck.createStatement()
                  .executeQuery(
                      "SELECT project_id::VARCHAR, count(*), sum(view_count) FROM read_parquet('"
                          + file
                          + "') GROUP BY 1")) {
        while (rs.next()) {
          long[] figures = {rs.getLong(2), rs.getLong(3)};
          totals.merge(rs.getString(1), figures, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
        }
      } finally {
        Files.deleteIfExists(file);
      }
    }
    return totals;
  }

  /** The keys of the objects of the dataset's ACTIVE chunks. */
  private static List<String> activeObjectKeys() throws Exception {
    List<String> keys = new ArrayList<>();
    try (Connection connection = connect();
        ResultSet rs =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT o.object_key FROM archive.chunk c JOIN archive.chunk_object o"
                        + " USING (chunk_id) WHERE c.dataset = '"
                        + DATASET
                        + "' AND c.state = 'ACTIVE'")) {
      while (rs.next()) {
        keys.add(rs.getString(1));
      }
    }
    return keys;
  }
}
