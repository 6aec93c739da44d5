package dev.permafrost.query;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.query.service.ColdAnswers;
import dev.permafrost.query.service.HotChanges;
import dev.permafrost.query.service.HybridAggregator;
import dev.permafrost.query.service.MergedCopies;
import dev.permafrost.query.service.MonthRollups;
import dev.permafrost.query.service.QueryHooks;
import dev.permafrost.support.config.Datasets;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.JsonConfig;
import io.restassured.path.json.config.JsonPathConfig;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Drives random archives, late imports, restores and erasures, and after each step asks every
 * dashboard endpoint random questions, comparing each answer with the same question asked of an
 * oracle: a plain table that holds every row all along. The archive steps do what the
 * archive-service's transactions do to the catalog and the hot rows, each in one transaction.
 */
@QuarkusTest
@QuarkusTestResource(DevStackTestResource.class)
class HybridQueryDifferentialIT {

  private static final String DATASET = "diff_pageviews";
  private static final int DAYS = 16;
  private static final LocalDate FIRST_DAY = LocalDate.now(ZoneOffset.UTC).minusDays(400);

  @Inject ObjectStore store;
  @Inject ObjectKeys keys;
  @Inject Datasets datasets;
  @Inject ColdAnswers coldAnswers;
  @Inject QueryHooks hooks;
  @Inject MergedCopies copies;
  @Inject MonthRollups rollups;
  @Inject HybridAggregator aggregator;

  private final Random random = new Random(20261122);
  // Shared by the test methods (JUnit makes an instance for each): ids and chunks stay unique.
  private static long nextId = 500_000_000L;
  private static int nextSequence = 1;

  @BeforeAll
  static void loadTheTableAndItsOracle() throws Exception {
    QueryFixtures.migrateCatalog();
    try (Connection connection = QueryFixtures.connect();
        Statement statement = connection.createStatement()) {
      DemoData.createPageviewsTable(connection);
      statement.execute("DROP TABLE IF EXISTS public.diff_pageviews, public.diff_oracle");
      statement.execute("CREATE TABLE public.diff_pageviews (LIKE public.pageviews INCLUDING ALL)");
      DemoData.loadPageviews(connection, FIRST_DAY, DAYS, 400, 400_000_000L, 17);
      statement.execute(
          "WITH moved AS (DELETE FROM public.pageviews WHERE id >= 400000000 AND id < 500000000"
              + " RETURNING *) INSERT INTO public.diff_pageviews SELECT * FROM moved");
      statement.execute("CREATE TABLE public.diff_oracle AS SELECT * FROM public.diff_pageviews");
    }
  }

  @Test
  void everyEndpointAnswersLikeOneTableHoldingEveryRowThroughArchivesImportsRestoresAndErasures()
      throws Exception {
    long copyReads = copies.reads();
    compareRandomQuestions("the start, everything hot");
    for (int step = 0; step < 14; step++) {
      LocalDate day = FIRST_DAY.plusDays(random.nextInt(DAYS));
      int action = step < 4 ? 0 : random.nextInt(4);
      String what =
          switch (action) {
            case 0 -> archive(day);
            case 1 -> lateImport(day);
            case 2 -> restore(day);
            default -> erase(String.valueOf(1 + random.nextInt(12)));
          };
      compareRandomQuestions("step " + step + ": " + what);
    }
    assertThat(
            QueryFixtures.count(
                "SELECT count(*) FROM archive.chunk WHERE dataset = '"
                    + DATASET
                    + "' AND state = 'ACTIVE'"))
        .as("some chunks are cold at the end")
        .isPositive();
    assertThat(copies.reads()).as("some questions read merged copies").isGreaterThan(copyReads);
  }

  @Test
  void aRepeatedColdQuestionIsAnsweredFromTheCacheUntilTheCatalogChanges() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(DAYS); // a day of its own, outside the other test's
    insertRows(day, 50);
    archive(day);
    String url = topUrl(day, day, null, 5);
    List<Map<String, Object>> first = rows(url);
    long hits = coldAnswers.hits();
    assertThat(rows(url)).isEqualTo(first);
    assertThat(coldAnswers.hits()).isEqualTo(hits + 1);

    // A late row and its own chunk: a new catalog state, so a new answer that counts both.
    insertRows(day, 1);
    archive(day);
    List<Map<String, Object>> after = rows(url);
    assertThat(after).isEqualTo(oracleTop(day, day, null, 5));
    assertThat(coldAnswers.hits()).isEqualTo(hits + 1);
  }

  @Test
  void aSlidingDailyWindowReadsOnlyItsNewDaysUntilADayIsArchivedAgain() throws Exception {
    LocalDate first = FIRST_DAY.plusDays(DAYS + 2); // days of their own
    LocalDate second = first.plusDays(1);
    LocalDate third = first.plusDays(2);
    for (LocalDate day : List.of(first, second, third)) {
      insertRows(day, 30);
      archive(day);
    }
    assertThat(dailyTotals(first, second, null)).isEqualTo(oracleDailyTotals(first, second, null));

    long hits = coldAnswers.partitionHits();
    assertThat(dailyTotals(first, third, null)).isEqualTo(oracleDailyTotals(first, third, null));
    assertThat(coldAnswers.partitionHits()).as("the two days asked before").isEqualTo(hits + 2);
    assertThat(dailyTotals(second, second, null))
        .as("a day cut from the parts kept")
        .isEqualTo(oracleDailyTotals(second, second, null));
    assertThat(coldAnswers.partitionHits()).isEqualTo(hits + 3);

    // A late row of the second day in a chunk of its own: a new state of that partition only.
    insertRows(second, 1);
    archive(second);
    hits = coldAnswers.partitionHits();
    assertThat(dailyTotals(first, third, null)).isEqualTo(oracleDailyTotals(first, third, null));
    assertThat(coldAnswers.partitionHits()).as("the first and third days").isEqualTo(hits + 2);
  }

  @Test
  void aWholeMonthIsReadFromItsKeptPartsUntilItChanges() throws Exception {
    LocalDate first = FIRST_DAY.minusMonths(3).withDayOfMonth(1); // a month of its own
    LocalDate next = YearMonth.from(first).atEndOfMonth().plusDays(1);
    for (LocalDate day :
        List.of(first, first.plusDays(1), first.plusDays(2), next, next.plusDays(1))) {
      insertRows(day, 40);
      archive(day);
    }
    // The range covers the month whole, and the first day of the next one, whose week it does
    // not: that day's parts are kept by themselves.
    LocalDate from = first.minusDays(2);
    LocalDate to = next;
    long reads = rollups.reads();
    assertThat(rows(topUrl(from, to, null, 5))).isEqualTo(oracleTop(from, to, null, 5));
    rollups.awaitQueuedBuilds();
    // Another n: with no hot row in the range, DuckDB ranks within n, so the answer cache sees a
    // new question; the month's parts are the same.
    assertThat(rows(topUrl(from, to, null, 6))).isEqualTo(oracleTop(from, to, null, 6));
    assertThat(rollups.reads())
        .as("the month and the day read from kept parts")
        .isEqualTo(reads + 2);

    // Every metric's parts merged across the kept month and day.
    assertAggregateMatches(from, to, "3", 10, false, "a whole month, read from its rows");
    rollups.awaitQueuedBuilds();
    assertAggregateMatches(from, to, "3", 11, false, "a whole month, read from its parts");
    assertThat(rollups.reads()).isEqualTo(reads + 4);

    // A late row of the second day in a chunk of its own: the month is read from its rows again.
    insertRows(first.plusDays(1), 1);
    archive(first.plusDays(1));
    assertThat(rows(topUrl(from, to, null, 7))).isEqualTo(oracleTop(from, to, null, 7));
    assertThat(rollups.reads()).as("only the day").isEqualTo(reads + 5);
    rollups.awaitQueuedBuilds();
    assertThat(rows(topUrl(from, to, null, 8))).isEqualTo(oracleTop(from, to, null, 8));
    assertThat(rollups.reads()).isEqualTo(reads + 7);

    // The events of a restore or erasure retire the month's objects: its kept parts go too.
    int kept = rollups.tables(DATASET);
    rollups.dropHolding(objectsOfMonth(first));
    assertThat(rollups.tables(DATASET)).isLessThan(kept);
    assertThat(rows(topUrl(from, to, null, 9))).isEqualTo(oracleTop(from, to, null, 9));
    assertThat(rollups.reads()).as("the month read from its rows again").isEqualTo(reads + 8);
  }

  @Test
  void theWeeksAndDaysARangeHoldsOfAMonthAreReadFromTheirKeptPartsUntilTheyChange()
      throws Exception {
    LocalDate first = FIRST_DAY.minusMonths(6).withDayOfMonth(1); // a month of its own
    for (int day = 0; day < 10; day++) {
      insertRows(first.plusDays(day), 30);
      archive(first.plusDays(day));
    }
    // Days 3 to 9 hold neither the first week (days 1 to 7) nor the second whole: seven days.
    LocalDate from = first.plusDays(2);
    LocalDate to = first.plusDays(8);
    long reads = rollups.reads();
    assertThat(rows(topUrl(from, to, null, 5))).isEqualTo(oracleTop(from, to, null, 5));
    rollups.awaitQueuedBuilds();
    assertThat(rows(topUrl(from, to, null, 6))).isEqualTo(oracleTop(from, to, null, 6));
    assertThat(rollups.reads()).as("seven days from their kept parts").isEqualTo(reads + 7);

    // Days 1 to 9: the first week whole, built after this question, and days 8 and 9.
    assertThat(rows(topUrl(first, to, null, 5))).isEqualTo(oracleTop(first, to, null, 5));
    assertThat(rollups.reads()).as("days 8 and 9").isEqualTo(reads + 9);
    rollups.awaitQueuedBuilds();
    assertThat(rows(topUrl(first, to, null, 6))).isEqualTo(oracleTop(first, to, null, 6));
    assertThat(rollups.reads()).as("the first week, days 8 and 9").isEqualTo(reads + 12);

    // Every metric's parts merged across kept days and weeks and the rows of the others.
    assertAggregateMatches(first.plusDays(1), to, "3", 10, false, "days of a month, from rows");
    rollups.awaitQueuedBuilds();
    assertAggregateMatches(first.plusDays(1), to, "3", 11, false, "days of a month, from parts");

    // A late row of the second day: the first week is read from its rows again, not the others.
    insertRows(first.plusDays(1), 1);
    archive(first.plusDays(1));
    reads = rollups.reads();
    assertThat(rows(topUrl(first, to, null, 7))).isEqualTo(oracleTop(first, to, null, 7));
    assertThat(rollups.reads()).as("days 8 and 9 only").isEqualTo(reads + 2);
    rollups.awaitQueuedBuilds();
    assertThat(rows(topUrl(first, to, null, 8))).isEqualTo(oracleTop(first, to, null, 8));
    assertThat(rollups.reads()).isEqualTo(reads + 5);

    // Days 2 to 10: day 2 (changed) and the second week (whole now, not built) read from their
    // rows, on either side of days 3 to 7 read from their kept parts.
    LocalDate second = first.plusDays(1);
    LocalDate tenth = first.plusDays(9);
    reads = rollups.reads();
    assertThat(rows(topUrl(second, tenth, null, 9))).isEqualTo(oracleTop(second, tenth, null, 9));
    assertThat(rollups.reads()).as("days 3 to 7").isEqualTo(reads + 5);
  }

  @Test
  void aTopNWhoseCutFallsInATieKeepsTheGroupsThatComeFirstInTheServicesOrder() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(DAYS + 6); // a day of its own
    // One path far ahead, then forty tied, inserted last first: only the paths' order decides
    // which of the tied ones make the top 3, not the order DuckDB meets them in.
    insertRow(day, 4, "/tie/leader", 1000);
    for (int i = 39; i >= 0; i--) {
      insertRow(day, 4, String.format("/tie/%02d", i), 7);
    }
    archive(day);
    assertThat(rows(topUrl(day, day, null, 3)))
        .isEqualTo(oracleTop(day, day, null, 3))
        .extracting(row -> row.get("path"))
        .containsExactly("/tie/leader", "/tie/00", "/tie/01");
  }

  /** The SHA-256 of every object of the month of {@code first}. */
  private static List<String> objectsOfMonth(LocalDate first) throws Exception {
    return QueryFixtures.rows(
            "SELECT o.sha256 FROM archive.chunk_object o JOIN archive.chunk c USING (chunk_id)"
                + " WHERE c.dataset = '"
                + DATASET
                + "' AND c.partition_start >= '"
                + first
                + "' AND c.partition_start < '"
                + first.plusMonths(1)
                + "'")
        .stream()
        .map(row -> (String) row.get(0))
        .toList();
  }

  @Test
  void aPathThatTheHotRowsLiftFromBelowTheColdTopIsCountedWithItsColdRows() throws Exception {
    LocalDate coldDay = FIRST_DAY.plusDays(DAYS + 8); // days of their own
    LocalDate hotDay = coldDay.plusDays(1);
    insertRow(coldDay, 5, "/lift/leader", 100);
    insertRow(coldDay, 5, "/lift/b", 90);
    insertRow(coldDay, 5, "/lift/c", 80);
    for (int views = 50; views >= 42; views--) {
      insertRow(coldDay, 5, "/lift/filler-" + views, views);
    }
    insertRow(coldDay, 5, "/lift/d", 41);
    insertRow(coldDay, 5, "/lift/e", 10);
    archive(coldDay);
    // A top 2 reads the cold tier's first nine: the leader (100) to /lift/filler-45. The hot day
    // lifts /e (10 + 500) above them all, and /d (at most 45 + 40) not up to /b (90): only /e's
    // cold rows are read besides.
    insertRow(hotDay, 5, "/lift/e", 500);
    insertRow(hotDay, 5, "/lift/d", 40);
    long readByValue = aggregator.coldGroupsReadByValue();

    assertThat(rows(topUrl(coldDay, hotDay, null, 2)))
        .isEqualTo(oracleTop(coldDay, hotDay, null, 2))
        .extracting(row -> row.get("path"))
        .containsExactly("/lift/e", "/lift/leader");
    assertThat(aggregator.coldGroupsReadByValue()).isEqualTo(readByValue + 1);
  }

  @Test
  void aHotDayIsReadFromTheCacheUntilAStatementThatChangesItsRowsCommits() throws Exception {
    LocalDate first = FIRST_DAY.plusDays(DAYS + 20); // days of their own, all hot
    LocalDate second = first.plusDays(1);
    LocalDate third = first.plusDays(2);
    for (LocalDate day : List.of(first, second, third)) {
      insertRows(day, 40);
    }
    String url = topUrl(first, third, null, 5);
    assertThat(rows(url)).isEqualTo(oracleTop(first, third, null, 5));
    long hits = coldAnswers.hotDayHits();
    long mergedHits = coldAnswers.hotDaysHits();
    assertThat(rows(url)).isEqualTo(oracleTop(first, third, null, 5));
    assertThat(coldAnswers.hotDayHits()).as("all three days kept").isEqualTo(hits + 3);
    assertThat(coldAnswers.hotDaysHits()).as("and their parts merged").isEqualTo(mergedHits + 1);

    // Each statement an application may run on its own table, with how many days it leaves alone.
    Map<String, Integer> changes = new LinkedHashMap<>();
    changes.put(
        "UPDATE %1$s SET view_count = view_count + 100000"
            + " WHERE id = (SELECT min(id) FROM %1$s WHERE date = '"
            + first
            + "')",
        2);
    changes.put("DELETE FROM %s WHERE date = '" + first + "' AND view_count > 100000", 2);
    changes.put(
        "INSERT INTO %s (id, project_id, version_slug, path, view_count, date)"
            + " VALUES (700000000, 3, 'v1', '/hot/moved', 200000, '"
            + second
            + "')",
        2);
    changes.put("UPDATE %s SET date = '" + third + "' WHERE path = '/hot/moved'", 1);
    changes.put(
        "UPDATE %s SET view_count = view_count + 1 WHERE date IN ('"
            + first
            + "', '"
            + third
            + "')",
        1);
    for (var change : changes.entrySet()) {
      for (String table : List.of("public.diff_pageviews", "public.diff_oracle")) {
        QueryFixtures.execute(String.format(change.getKey(), table));
      }
      hits = coldAnswers.hotDayHits();
      mergedHits = coldAnswers.hotDaysHits();
      assertThat(rows(url)).as(change.getKey()).isEqualTo(oracleTop(first, third, null, 5));
      assertThat(coldAnswers.hotDayHits())
          .as("days kept after " + change.getKey())
          .isEqualTo(hits + change.getValue());
      assertThat(coldAnswers.hotDaysHits()).as("merged again").isEqualTo(mergedHits);
    }

    // A write not committed yet is not in the snapshot, and leaves every day's state alone.
    try (Connection writer = QueryFixtures.connect()) {
      writer.setAutoCommit(false);
      writer
          .createStatement()
          .execute(
              "INSERT INTO public.diff_pageviews (id, project_id, version_slug, path, view_count,"
                  + " date) VALUES (700000001, 3, 'v1', '/hot/uncommitted', 300000, '"
                  + second
                  + "')");
      hits = coldAnswers.hotDayHits();
      assertThat(rows(url)).isEqualTo(oracleTop(first, third, null, 5));
      assertThat(coldAnswers.hotDayHits()).isEqualTo(hits + 3);
      writer.rollback();
    }
    hits = coldAnswers.hotDayHits();
    assertThat(rows(url)).isEqualTo(oracleTop(first, third, null, 5));
    assertThat(coldAnswers.hotDayHits()).as("a rolled back write").isEqualTo(hits + 3);
  }

  @Test
  void aTruncateForgetsEveryHotDayAndTheRowsLoadedAgainAreCounted() throws Exception {
    LocalDate first = FIRST_DAY.plusDays(DAYS + 24); // days of their own, all hot
    LocalDate second = first.plusDays(1);
    insertRows(first, 30);
    insertRows(second, 30);
    String url = topUrl(first, second, null, 5);
    List<Map<String, Object>> before = rows(url);
    assertThat(before).isEqualTo(oracleTop(first, second, null, 5)).isNotEmpty();
    long hits = coldAnswers.hotDayHits();

    try (Connection connection = QueryFixtures.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TEMPORARY TABLE kept_rows AS SELECT * FROM public.diff_pageviews");
      statement.execute("TRUNCATE public.diff_pageviews");
      try {
        assertThat(rows(url)).as("no hot row left").isEmpty();
      } finally {
        statement.execute("INSERT INTO public.diff_pageviews SELECT * FROM kept_rows");
      }
    }
    assertThat(rows(url)).isEqualTo(before);
    assertThat(coldAnswers.hotDayHits()).as("both days read again twice").isEqualTo(hits);
  }

  @Test
  void writesMadeWhileTheTriggersWereDisabledAreReadAndTheTriggersComeBack() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(DAYS + 27); // a day of its own, hot
    insertRows(day, 30);
    String url = topUrl(day, day, null, 3);
    assertThat(rows(url)).isEqualTo(oracleTop(day, day, null, 3));
    QueryFixtures.execute(
        "ALTER TABLE public.diff_pageviews DISABLE TRIGGER permafrost_hot_change_insert");
    insertRow(day, 4, "/hot/unseen", 400000);
    long hits = coldAnswers.hotDayHits();

    assertThat(rows(url)).isEqualTo(oracleTop(day, day, null, 3));
    assertThat(rows(url)).isEqualTo(oracleTop(day, day, null, 3));
    assertThat(coldAnswers.hotDayHits()).as("read from the rows, twice").isEqualTo(hits);
    assertThat(
            QueryFixtures.count(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.diff_pageviews'::regclass"
                    + " AND tgname LIKE 'permafrost_hot_change_%' AND tgenabled = 'A'"))
        .as("enabled again by the first question after")
        .isEqualTo(4);
    assertThat(rows(url)).isEqualTo(oracleTop(day, day, null, 3));
    assertThat(coldAnswers.hotDayHits()).isEqualTo(hits + 1);
  }

  @Test
  void mergingADaysChangesKeepsItsState() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(DAYS + 29); // a day of its own, hot
    insertRows(day, HotChanges.MERGE_ABOVE_ROWS + 4); // a statement each
    String url = topUrl(day, day, null, 3);
    String changesOfTheDay =
        "SELECT count(*) FROM query.hot_change WHERE dataset = '"
            + DATASET
            + "' AND day = '"
            + day
            + "'";
    assertThat(QueryFixtures.count(changesOfTheDay)).isGreaterThan(HotChanges.MERGE_ABOVE_ROWS);
    assertThat(rows(url)).isEqualTo(oracleTop(day, day, null, 3));

    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (QueryFixtures.count(changesOfTheDay) > 1 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(QueryFixtures.count(changesOfTheDay)).as("merged into one row").isEqualTo(1);
    long hits = coldAnswers.hotDayHits();
    assertThat(rows(url)).isEqualTo(oracleTop(day, day, null, 3));
    assertThat(coldAnswers.hotDayHits()).as("the same state after the merge").isEqualTo(hits + 1);
  }

  @Test
  void aPruneThatCommitsWhileAQueryRunsDoesNotChangeItsAnswer() throws Exception {
    LocalDate day = FIRST_DAY.plusDays(DAYS + 1); // a day of its own
    insertRows(day, 40);
    List<Map<String, Object>> expected = oracleTop(day, day, null, 10);
    assertThat(expected).isNotEmpty();
    hooks.armAfterSnapshot(
        () -> {
          try {
            archive(day); // commits between the query's snapshot and its cold read
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });

    assertThat(rows(topUrl(day, day, null, 10))).isEqualTo(expected);
    assertThat(
            QueryFixtures.count(
                "SELECT count(*) FROM archive.chunk WHERE dataset = '"
                    + DATASET
                    + "' AND partition = '"
                    + day
                    + "' AND state = 'ACTIVE'"))
        .as("the prune committed while the query ran")
        .isEqualTo(1);
    assertThat(
            QueryFixtures.count(
                "SELECT count(*) FROM public.diff_pageviews WHERE date = '" + day + "'"))
        .isZero();
    // Asked again, the rows come from the chunk now: the same answer.
    assertThat(rows(topUrl(day, day, null, 10))).isEqualTo(expected);
  }

  // --- the steps, each as the archive-service would commit it -------------------------------

  /** Exports the day's hot rows as a new chunk and prunes them, in one transaction. */
  private String archive(LocalDate day) throws Exception {
    try (Connection connection = QueryFixtures.connect()) {
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      DatasetDefinition dataset = datasets.find(DATASET);
      Manifest manifest = exportDay(connection, dataset, day);
      if (manifest.rowCount() == 0) {
        connection.rollback();
        return "archive " + day + " (nothing hot)";
      }
      QueryFixtures.registerActiveChunk(connection, DATASET, manifest);
      try (PreparedStatement delete =
          connection.prepareStatement("DELETE FROM public.diff_pageviews WHERE date = ?")) {
        delete.setObject(1, day);
        assertThat(delete.executeUpdate()).isEqualTo(manifest.rowCount());
      }
      connection.commit();
      return "archive " + day + " (" + manifest.rowCount() + " rows)";
    }
  }

  /** New rows for an old day, in both the table and the oracle. */
  private String lateImport(LocalDate day) throws Exception {
    int rows = 1 + random.nextInt(30);
    insertRows(day, rows);
    return "late import of " + rows + " rows into " + day;
  }

  /** Every ACTIVE chunk of the day RESTORED and its rows hot again, in one transaction. */
  private String restore(LocalDate day) throws Exception {
    try (Connection connection = QueryFixtures.connect()) {
      connection.setAutoCommit(false);
      int restored;
      try (PreparedStatement chunks =
          connection.prepareStatement(
              "UPDATE archive.chunk SET state = 'RESTORED' WHERE dataset = ? AND partition = ?"
                  + " AND state = 'ACTIVE'")) {
        chunks.setString(1, DATASET);
        chunks.setString(2, day.toString());
        restored = chunks.executeUpdate();
      }
      try (PreparedStatement rows =
          connection.prepareStatement(
              "INSERT INTO public.diff_pageviews SELECT * FROM public.diff_oracle o"
                  + " WHERE o.date = ? AND NOT EXISTS"
                  + " (SELECT 1 FROM public.diff_pageviews h WHERE h.id = o.id)")) {
        rows.setObject(1, day);
        rows.executeUpdate();
      }
      connection.commit();
      return "restore of " + restored + " chunks of " + day;
    }
  }

  /**
   * The tenant's hot rows deleted, and every ACTIVE chunk holding its rows replaced by one without
   * them, in one transaction per day.
   */
  private String erase(String tenant) throws Exception {
    List<LocalDate> days = new ArrayList<>();
    try (Connection connection = QueryFixtures.connect();
        ResultSet rs =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT DISTINCT partition FROM archive.chunk WHERE dataset = '"
                        + DATASET
                        + "' AND state = 'ACTIVE' ORDER BY 1")) {
      while (rs.next()) {
        days.add(LocalDate.parse(rs.getString(1)));
      }
    }
    for (LocalDate day : days) {
      try (Connection connection = QueryFixtures.connect();
          Statement statement = connection.createStatement()) {
        connection.setAutoCommit(false);
        // The day's cold rows without the tenant, staged and exported as the replacement.
        statement.execute("DROP TABLE IF EXISTS public.diff_stage");
        statement.execute(
            "CREATE TABLE public.diff_stage AS SELECT * FROM public.diff_oracle o WHERE o.date = '"
                + day
                + "' AND o.project_id <> "
                + tenant
                + " AND NOT EXISTS (SELECT 1 FROM public.diff_pageviews h WHERE h.id = o.id)");
        statement.executeUpdate(
            "UPDATE archive.chunk SET state = 'SUPERSEDED' WHERE dataset = '"
                + DATASET
                + "' AND partition = '"
                + day
                + "' AND state = 'ACTIVE'");
        DatasetDefinition staged = staged(datasets.find(DATASET));
        Manifest manifest = exportDay(connection, staged, day);
        if (manifest.rowCount() > 0) {
          QueryFixtures.registerActiveChunk(connection, DATASET, manifest);
        }
        statement.execute("DROP TABLE public.diff_stage");
        connection.commit();
      }
    }
    QueryFixtures.execute(
        "DELETE FROM public.diff_pageviews WHERE project_id = "
            + tenant
            + "; DELETE FROM public.diff_oracle WHERE project_id = "
            + tenant);
    return "erasure of tenant " + tenant;
  }

  private Manifest exportDay(Connection connection, DatasetDefinition dataset, LocalDate day)
      throws Exception {
    return QueryFixtures.export(
        connection,
        store,
        keys,
        dataset,
        day.atStartOfDay().toInstant(ZoneOffset.UTC),
        nextSequence++);
  }

  /** The dataset, read from the staging table: its chunks land under the dataset's own keys. */
  private static DatasetDefinition staged(DatasetDefinition d) {
    return new DatasetDefinition(
        d.name(),
        "public.diff_stage",
        d.timeColumn(),
        d.grain(),
        d.primaryKey(),
        d.tenantColumn(),
        d.metricColumn(),
        d.mode(),
        d.sortKeys(),
        d.hotRetention(),
        d.offloadColumns(),
        d.layout());
  }

  private void insertRows(LocalDate day, int rows) throws Exception {
    for (int i = 0; i < rows; i++) {
      insertRow(
          day, 1 + random.nextInt(12), "/late/" + random.nextInt(20), 1 + random.nextInt(500));
    }
  }

  /** One hot row, and its copy in the oracle. */
  private static void insertRow(LocalDate day, int project, String path, int views)
      throws Exception {
    try (Connection connection = QueryFixtures.connect()) {
      for (String table : List.of("public.diff_pageviews", "public.diff_oracle")) {
        try (PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO "
                    + table
                    + " (id, project_id, version_slug, path, view_count, date)"
                    + " VALUES (?, ?, 'v1', ?, ?, ?)")) {
          insert.setLong(1, nextId);
          insert.setInt(2, project);
          insert.setString(3, path);
          insert.setInt(4, views);
          insert.setObject(5, day);
          insert.executeUpdate();
        }
      }
      nextId++;
    }
  }

  // --- the questions --------------------------------------------------------------------------

  /**
   * Four random questions; the last two may read the merged copies that the first two's months were
   * queued for, built from the chunks ACTIVE then.
   */
  private void compareRandomQuestions(String after) throws Exception {
    for (int question = 0; question < 4; question++) {
      if (question == 2) {
        copies.awaitQueuedBuilds();
      }
      LocalDate from = FIRST_DAY.plusDays(random.nextInt(DAYS));
      LocalDate to =
          from.plusDays(random.nextInt(DAYS - (int) (from.toEpochDay() - FIRST_DAY.toEpochDay())));
      String tenant = random.nextBoolean() ? String.valueOf(1 + random.nextInt(12)) : null;
      int n = 1 + random.nextInt(25);
      String context = after + ", " + from + ".." + to + ", tenant " + tenant + ", n " + n;

      assertThat(dailyTotals(from, to, tenant))
          .as("daily totals after %s", context)
          .isEqualTo(oracleDailyTotals(from, to, tenant));
      assertThat(rows(topUrl(from, to, tenant, n)))
          .as("top after %s", context)
          .isEqualTo(oracleTop(from, to, tenant, n));
      assertThat(rows(topPerGroupUrl(from, to, n)))
          .as("top per group after %s", context)
          .isEqualTo(oracleTopPerGroup(from, to, n));
      assertAggregateMatches(from, to, tenant, n, random.nextBoolean(), context);
    }
  }

  private static Map<String, Long> dailyTotals(LocalDate from, LocalDate to, String tenant) {
    Map<String, Long> totals = new LinkedHashMap<>();
    List<Map<String, Object>> days =
        given()
            .get(
                "/api/v1/datasets/"
                    + DATASET
                    + "/daily-totals?from="
                    + from
                    + "&to="
                    + to
                    + (tenant == null ? "" : "&tenant=" + tenant))
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("totals");
    days.forEach(d -> totals.put((String) d.get("day"), ((Number) d.get("total")).longValue()));
    return totals;
  }

  private static Map<String, Long> oracleDailyTotals(LocalDate from, LocalDate to, String tenant)
      throws Exception {
    Map<String, Long> totals = new LinkedHashMap<>();
    for (List<Object> row :
        QueryFixtures.rows(
            "SELECT date::text, sum(view_count)::bigint FROM public.diff_oracle WHERE date BETWEEN '"
                + from
                + "' AND '"
                + to
                + "'"
                + (tenant == null ? "" : " AND project_id = " + tenant)
                + " GROUP BY date HAVING sum(view_count) IS NOT NULL ORDER BY date")) {
      totals.put((String) row.get(0), ((Number) row.get(1)).longValue());
    }
    return totals;
  }

  private static String topUrl(LocalDate from, LocalDate to, String tenant, int n) {
    return "/api/v1/datasets/"
        + DATASET
        + "/top?column=path&n="
        + n
        + "&from="
        + from
        + "&to="
        + to
        + (tenant == null ? "" : "&tenant=" + tenant);
  }

  /** Ties in the order the service breaks them: the group keys, by code point. */
  private static List<Map<String, Object>> oracleTop(
      LocalDate from, LocalDate to, String tenant, int n) throws Exception {
    return QueryFixtures.maps(
        List.of("path", "sum_view_count"),
        "SELECT path, sum(view_count)::bigint s FROM public.diff_oracle WHERE date BETWEEN '"
            + from
            + "' AND '"
            + to
            + "'"
            + (tenant == null ? "" : " AND project_id = " + tenant)
            + " GROUP BY path ORDER BY s DESC, path COLLATE \"C\" LIMIT "
            + n);
  }

  private static String topPerGroupUrl(LocalDate from, LocalDate to, int n) {
    return "/api/v1/datasets/"
        + DATASET
        + "/top-per-group?group=project_id&column=path&n="
        + n
        + "&from="
        + from
        + "&to="
        + to
        + "&exclude.path=/late/1&max.project_id=6";
  }

  private static List<Map<String, Object>> oracleTopPerGroup(LocalDate from, LocalDate to, int n)
      throws Exception {
    return QueryFixtures.maps(
        List.of("project_id", "path", "sum_view_count"),
        "SELECT project_id::bigint, path, s FROM (SELECT project_id, path, sum(view_count)::bigint"
            + " s, row_number() OVER (PARTITION BY project_id ORDER BY sum(view_count) DESC,"
            + " path COLLATE \"C\") rank FROM public.diff_oracle WHERE date BETWEEN '"
            + from
            + "' AND '"
            + to
            + "' AND path NOT IN ('/late/1') AND project_id <= 6 GROUP BY 1, 2) ranked"
            + " WHERE rank <= "
            + n
            + " ORDER BY project_id, s DESC, path COLLATE \"C\"");
  }

  /**
   * Grouped by project only, most groups hold rows of both tiers, so every metric's parts are
   * merged; by project and day, the order and limit are checked on many small groups.
   */
  private static void assertAggregateMatches(
      LocalDate from, LocalDate to, String tenant, int n, boolean byDay, String context)
      throws Exception {
    List<Map<String, Object>> answer =
        rows(
            "/api/v1/datasets/"
                + DATASET
                + "/aggregate?groupBy=project_id"
                + (byDay ? ",day" : "")
                + "&metrics=sum(view_count),count(*),"
                + "min(view_count),max(view_count),avg(view_count)"
                + "&orderBy=count:desc,sum_view_count:desc&limit="
                + n
                + "&from="
                + from
                + "&to="
                + to
                + "&min.view_count=3"
                + (tenant == null ? "" : "&filter.project_id=" + tenant + "&filter.project_id=7"));
    List<Map<String, Object>> oracle =
        QueryFixtures.maps(
            byDay
                ? List.of(
                    "project_id",
                    "day",
                    "sum_view_count",
                    "count",
                    "min_view_count",
                    "max_view_count",
                    "avg_view_count")
                : List.of(
                    "project_id",
                    "sum_view_count",
                    "count",
                    "min_view_count",
                    "max_view_count",
                    "avg_view_count"),
            "SELECT project_id::bigint, "
                + (byDay ? "date::text, " : "")
                + "sum(view_count)::bigint, count(*),"
                + " min(view_count)::bigint, max(view_count)::bigint, avg(view_count)::float8"
                + " FROM public.diff_oracle WHERE date BETWEEN '"
                + from
                + "' AND '"
                + to
                + "' AND view_count >= 3"
                + (tenant == null ? "" : " AND project_id IN (" + tenant + ", 7)")
                + (byDay
                    ? " GROUP BY 1, 2 ORDER BY 4 DESC, 3 DESC, 1, 2 LIMIT "
                    : " GROUP BY 1 ORDER BY 3 DESC, 2 DESC, 1 LIMIT ")
                + n);
    assertThat(answer).as("aggregate rows after %s", context).hasSameSizeAs(oracle);
    for (int i = 0; i < oracle.size(); i++) {
      Map<String, Object> expected = new LinkedHashMap<>(oracle.get(i));
      Map<String, Object> actual = new LinkedHashMap<>(answer.get(i));
      double expectedAverage = ((Number) expected.remove("avg_view_count")).doubleValue();
      double actualAverage = ((Number) actual.remove("avg_view_count")).doubleValue();
      assertThat(actual).as("aggregate row %d after %s", i, context).isEqualTo(expected);
      assertThat(actualAverage).isCloseTo(expectedAverage, within(1e-9 * expectedAverage));
    }
  }

  /** The rows of an answer, with whole numbers as longs so that they compare with the oracle's. */
  private static List<Map<String, Object>> rows(String url) {
    List<Map<String, Object>> rows =
        given()
            .config(
                RestAssured.config()
                    .jsonConfig(
                        JsonConfig.jsonConfig()
                            .numberReturnType(JsonPathConfig.NumberReturnType.DOUBLE)))
            .get(url)
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("rows");
    List<Map<String, Object>> normalized = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      Map<String, Object> copy = new LinkedHashMap<>();
      row.forEach(
          (k, v) ->
              copy.put(
                  k, v instanceof Integer || v instanceof Long ? ((Number) v).longValue() : v));
      normalized.add(copy);
    }
    return normalized;
  }
}
