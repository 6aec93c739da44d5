package dev.permafrost.launcher;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStack;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code ./permafrost bench query}: dashboard questions against the query-service over page views
 * that are all cold, then with the last seven days hot again, next to PostgreSQL answering the same
 * SQL over the same rows in one table with covering indexes, and next to DuckDB alone on the same
 * Parquet files. Every question of a timed series is new to the service (another project or another
 * range), so that no whole answer comes from its answer cache; the repeated question is timed
 * apart. Daily totals keep each day's cold part, so a window reuses the days it shares with earlier
 * ones; each project's first daily totals, which read every day, are timed apart too. A top 25
 * keeps its parts of each month it covers whole and of each week and day of the others, built in
 * the background after a question read their rows. Each project's first top 25, timed apart, covers
 * every day of the series' windows; each window is then asked once as a top 24, and the series
 * starts once the parts of every piece they read are built: a dashboard's steady state. Warm means
 * the objects are cached and each month's merged copy is built. With the last seven days hot, each
 * question of the series is one of the all-cold series with its window stretched to the last day,
 * so that it holds every hot day.
 */
final class QueryBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final int DAYS = 100;
  private static final int TOP_DAYS = 90;
  private static final int REPETITIONS = 24;
  private static final int WARM_UPS = 3;

  /** Calls that warm the timing client's own code before the first timed series. */
  private static final int CLIENT_WARM_UPS = 500;

  /** The projects the questions ask about: the biggest ones, as the generator skews them. */
  private static final int PROJECTS = 6;

  /** The first of the questions each project is first asked, none of which a series asks again. */
  private static final int FIRST_QUESTIONS = 5 * PROJECTS;

  private final PrintStream out;
  private final Progress progress;
  private final RestClient rest = new RestClient();

  QueryBenchmark(PrintStream out, Progress progress) {
    this.out = out;
    this.progress = progress;
  }

  /** Percentiles of a series of timings, in milliseconds. */
  record Timing(double p50, double p95) {
    static Timing of(double[] millis) {
      double[] sorted = millis.clone();
      Arrays.sort(sorted);
      return new Timing(
          sorted[(int) Math.floor(0.5 * (sorted.length - 1))],
          sorted[(int) Math.ceil(0.95 * (sorted.length - 1))]);
    }
  }

  record Result(
      long rows,
      double topColdFirstMs,
      double dailyColdFirstMs,
      Timing top,
      Timing daily,
      Timing dailyFirst,
      Timing topFirst,
      Timing topCached,
      Timing topPostgres,
      Timing dailyPostgres,
      Timing topDuckDb,
      Timing dailyDuckDb,
      Timing topDuckDbChunks,
      Timing dailyDuckDbChunks,
      Timing topHybrid,
      Timing dailyHybrid,
      WriteCost writeCost) {

    String keyValues() {
      return String.format(
          java.util.Locale.ROOT,
          "top25_p50_ms=%.1f daily_p50_ms=%.1f top25_speedup_vs_pg=%.1f daily_speedup_vs_pg=%.1f"
              + " hybrid_vs_cold=%.2f ours_vs_duckdb=%.2f ours_vs_duckdb_on_chunk_files=%.2f"
              + " trigger_cost_1000_row_inserts=%.2f trigger_cost_one_row_inserts=%.2f",
          top.p50(),
          daily.p50(),
          topPostgres.p50() / top.p50(),
          dailyPostgres.p50() / daily.p50(),
          (topHybrid.p50() + dailyHybrid.p50()) / (top.p50() + daily.p50()),
          (top.p50() + daily.p50()) / (topDuckDb.p50() + dailyDuckDb.p50()),
          (top.p50() + daily.p50()) / (topDuckDbChunks.p50() + dailyDuckDbChunks.p50()),
          writeCost.batchRatio(),
          writeCost.oneRowRatio());
    }
  }

  /**
   * What the query-service's hot-change triggers cost an application's inserts: milliseconds to
   * insert the same rows into the table, which has them, and into a copy without them, in
   * statements of 1,000 rows and of one row.
   */
  record WriteCost(
      double batchWithMs, double batchWithoutMs, double oneRowWithMs, double oneRowWithoutMs) {

    double batchRatio() {
      return batchWithMs / batchWithoutMs;
    }

    double oneRowRatio() {
      return oneRowWithMs / oneRowWithoutMs;
    }
  }

  Result run(Path home, Path workDir, long rows) throws Exception {
    LocalDate firstDay = LocalDate.now(ZoneOffset.UTC).minusDays(DAYS + 10);
    LocalDate end = firstDay.plusDays(DAYS);
    Path cache = workDir.resolve("query-cache");
    Map<String, String> queryConfig = Map.of("permafrost.query.cache-dir", cache.toString());
    try (PermafrostStack stack =
        PermafrostStack.start(
            home, workDir, Map.of(PermafrostStack.QUERY, queryConfig), progress)) {
      DevStack devStack = stack.devStack();
      progress.step(String.format("Loading %,d page views in %d days", rows, DAYS));
      long loaded;
      try (Connection connection = devStack.connect()) {
        DemoData.createPageviewsTable(connection);
        DemoData.createOtherDatasetTables(connection);
        loaded = DemoData.loadPageviews(connection, firstDay, DAYS, (int) (rows / DAYS), 1, 2026);
      }
      progress.done(String.format("%,d rows", loaded));

      progress.step("PostgreSQL, every row in one table with covering indexes");
      createCoveringIndexes(devStack);
      devStack.execute("VACUUM (ANALYZE) public.pageviews");
      Timing topPostgres;
      Timing dailyPostgres;
      try (Connection connection = devStack.connect()) {
        topPostgres = time(i -> postgresTop(connection, question(i, end)));
        dailyPostgres = time(i -> postgresDaily(connection, question(i, end)));
      }
      progress.done(
          String.format(
              "top 25 p50 %.1f ms, daily p50 %.1f ms", topPostgres.p50(), dailyPostgres.p50()));
      devStack.execute("DROP INDEX public.bench_top");
      devStack.execute("DROP INDEX public.bench_daily");

      StackSteps steps = new StackSteps(stack, progress);
      steps.export("pageviews", firstDay, end);
      steps.awaitActive("pageviews", DAYS);
      // What autovacuum does after the prunes in a while; a dashboard does not see it otherwise.
      devStack.execute("VACUUM (ANALYZE) public.pageviews");

      progress.step("Query-service with an empty object cache");
      deleteFiles(cache); // what partition-archived warmed; the restart forgets it too
      stack.restart(PermafrostStack.QUERY, queryConfig);
      String query = stack.queryUrl() + "/api/v1/datasets/pageviews";
      // Another project than the timed ones, which are first asked below.
      Question otherProject = question(0, end).ofProject(PROJECTS + 1);
      double topColdFirst = millis(() -> timedGet(topUrl(query, otherProject)));
      double dailyColdFirst = millis(() -> timedGet(dailyUrl(query, otherProject)));
      progress.done(
          String.format("first top 25 %.0f ms, first daily %.0f ms", topColdFirst, dailyColdFirst));

      // The first questions queued a merged copy of each month they read; warm means built.
      progress.step("Merging each month's chunk files into one sorted copy");
      int months = monthsOf(firstDay, end);
      double merging = millis(() -> awaitColdFigure(query, "mergedMonths", months));
      progress.done(String.format("%d months in %.1f s", months, merging / 1000));

      progress.step("Query-service, everything cold, objects cached");
      // A project's first daily totals read every day of its year from the cold tier, and its
      // first top 25 every row of the series' days; later windows reuse the days, and the months,
      // weeks and days (once their parts are built) they share with them.
      double[] dailyFirstMillis = new double[PROJECTS];
      double[] topFirstMillis = new double[PROJECTS];
      Series coldSeries = i -> question(i + 1, end);
      for (int i = 0; i < PROJECTS; i++) {
        Question first = question(FIRST_QUESTIONS + i, end);
        Question series = covering(first.project(), coldSeries);
        dailyFirstMillis[i] = millis(() -> timedGet(dailyUrl(query, first)));
        topFirstMillis[i] = millis(() -> timedGet(topUrl(query, series)));
      }
      Timing dailyFirst = Timing.of(dailyFirstMillis);
      Timing topFirst = Timing.of(topFirstMillis);
      // Each window once as a top 24: another question to the answer cache, the same to the parts.
      keepPartsOfSeries(
          query, coldSeries, window -> topUrl(query, window).replace("&n=25&", "&n=24&"));
      warmTimedClient(dailyUrl(query, otherProject));
      // Questions 1.. are new to the service: no answer comes from its answer cache.
      Timing top = time(i -> timedGet(topUrl(query, coldSeries.question(i))));
      Timing daily = time(i -> timedGet(dailyUrl(query, coldSeries.question(i))));
      Timing topCached = time(i -> timedGet(topUrl(query, question(1, end))));
      progress.done(String.format("top 25 p50 %.1f ms, daily p50 %.1f ms", top.p50(), daily.p50()));

      progress.step("DuckDB alone on the merged copies, then on the chunk files");
      Timing topDuckDb;
      Timing dailyDuckDb;
      Timing topDuckDbChunks;
      Timing dailyDuckDbChunks;
      try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
        duck.createStatement().execute("SET enable_object_cache = true");
        String merged = parquetFiles(cache, "merged-.*\\.parquet");
        topDuckDb = time(i -> duckTop(duck, merged, question(i + 1, end)));
        dailyDuckDb = time(i -> duckDaily(duck, merged, question(i + 1, end)));
        String chunks = parquetFiles(cache, "[0-9a-f]{64}\\.parquet");
        topDuckDbChunks = time(i -> duckTop(duck, chunks, question(i + 1, end)));
        dailyDuckDbChunks = time(i -> duckDaily(duck, chunks, question(i + 1, end)));
      }
      progress.done(
          String.format(
              "top 25 p50 %.1f / %.1f ms, daily p50 %.1f / %.1f ms",
              topDuckDb.p50(), topDuckDbChunks.p50(), dailyDuckDb.p50(), dailyDuckDbChunks.p50()));

      progress.step("Restoring the last 7 days: hot and cold in one answer");
      restoreLastWeek(stack, end);
      // The hot rows get the indexes a dashboard over them needs, those PostgreSQL had above.
      createCoveringIndexes(devStack);
      devStack.execute("VACUUM (ANALYZE) public.pageviews");
      // The restore retired the last month's copy, and the parts of the month it cut; the first
      // questions queue them again. Each window is first asked to the day after the last: the
      // same cold rows and pieces, but another question to the cache of a question's cold parts,
      // which, unlike an all-cold answer, does not tell a top 24 from a top 25.
      Series hybridSeries = i -> hybridQuestion(i + 1, end);
      rest.get(dailyUrl(query, hybridSeries.question(0).endingADayLater()));
      keepPartsOfSeries(query, hybridSeries, window -> topUrl(query, window.endingADayLater()));
      awaitColdFigure(query, "mergedMonths", monthsOf(firstDay, end.minusDays(7)));
      Timing topHybrid = time(i -> timedGet(topUrl(query, hybridSeries.question(i))));
      Timing dailyHybrid = time(i -> timedGet(dailyUrl(query, hybridSeries.question(i))));
      progress.done(
          String.format(
              "top 25 p50 %.1f ms, daily p50 %.1f ms", topHybrid.p50(), dailyHybrid.p50()));

      progress.step("Inserts with and without the hot-change triggers");
      WriteCost writeCost = writeCost(devStack, end.plusDays(400));
      progress.done(
          String.format(
              "1,000-row statements %.2fx, one-row statements %.2fx",
              writeCost.batchRatio(), writeCost.oneRowRatio()));
      return new Result(
          loaded,
          topColdFirst,
          dailyColdFirst,
          top,
          daily,
          dailyFirst,
          topFirst,
          topCached,
          topPostgres,
          dailyPostgres,
          topDuckDb,
          dailyDuckDb,
          topDuckDbChunks,
          dailyDuckDbChunks,
          topHybrid,
          dailyHybrid,
          writeCost);
    }
  }

  private static final int WRITE_ROUNDS = 20;
  private static final int ROWS_PER_STATEMENT = 1_000;
  private static final int ONE_ROW_STATEMENTS = 100;

  /**
   * Inserts rows of {@code day}, far from the others, into {@code pageviews}, which has the
   * query-service's hot-change triggers since its first question, and into a copy of it with the
   * same indexes and none: in turns, so that both see the same load, each statement committed as an
   * application's would be. The rows are deleted after.
   */
  private static WriteCost writeCost(DevStack devStack, LocalDate day) throws Exception {
    List<String> tables = List.of("public.pageviews", "public.bench_untriggered");
    try (Connection connection = devStack.connect();
        ResultSet triggers =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.pageviews'::regclass"
                        + " AND tgname LIKE 'permafrost\\_hot\\_change\\_%'")) {
      if (!triggers.next() || triggers.getInt(1) != 4) {
        throw new IllegalStateException(
            "the query-service has not installed its hot-change triggers on public.pageviews");
      }
    }
    devStack.execute("CREATE TABLE public.bench_untriggered (LIKE public.pageviews INCLUDING ALL)");
    double[] batchMs = new double[2];
    double[] oneRowMs = new double[2];
    String columns = " (id, project_id, version_slug, path, view_count, date) ";
    try (Connection connection = devStack.connect()) {
      long id = 9_000_000_000L;
      for (int round = 0; round < WRITE_ROUNDS; round++) {
        for (int t = 0; t < tables.size(); t++) {
          long first = id;
          try (PreparedStatement batch =
                  connection.prepareStatement(
                      "INSERT INTO "
                          + tables.get(t)
                          + columns
                          + "SELECT ? + n, 1 + n % 7, 'v1', '/write/' || n, n, ?"
                          + " FROM generate_series(0, "
                          + (ROWS_PER_STATEMENT - 1)
                          + ") n");
              PreparedStatement oneRow =
                  connection.prepareStatement(
                      "INSERT INTO " + tables.get(t) + columns + "VALUES (?, 1, 'v1', ?, 1, ?)")) {
            batchMs[t] +=
                millis(
                    () -> {
                      batch.setLong(1, first);
                      batch.setObject(2, day);
                      batch.executeUpdate();
                    });
            oneRowMs[t] +=
                millis(
                    () -> {
                      for (int i = 0; i < ONE_ROW_STATEMENTS; i++) {
                        long rowId = first + ROWS_PER_STATEMENT + i;
                        oneRow.setLong(1, rowId);
                        oneRow.setString(2, "/write/one/" + rowId);
                        oneRow.setObject(3, day);
                        oneRow.executeUpdate();
                      }
                    });
          }
        }
        id += ROWS_PER_STATEMENT + ONE_ROW_STATEMENTS;
      }
    } finally {
      devStack.execute("DROP TABLE public.bench_untriggered");
      devStack.execute("DELETE FROM public.pageviews WHERE date = '" + day + "'");
    }
    return new WriteCost(batchMs[0], batchMs[1], oneRowMs[0], oneRowMs[1]);
  }

  /** The indexes that cover the top 25 and the daily totals of a project. */
  private static void createCoveringIndexes(DevStack devStack) throws SQLException {
    devStack.execute(
        "CREATE INDEX bench_top ON public.pageviews (project_id, date) INCLUDE (path, view_count)");
    devStack.execute(
        "CREATE INDEX bench_daily ON public.pageviews (project_id, date) INCLUDE (view_count)");
  }

  /**
   * Question {@code i}: a big project, and a window ending {@code i / PROJECTS} days before the
   * last day, so that no two of the first {@code PROJECTS * 10} questions are the same.
   */
  private record Question(int project, LocalDate topFrom, LocalDate to, LocalDate yearFrom) {
    Question ofProject(int other) {
      return new Question(other, topFrom, to, yearFrom);
    }

    Question endingADayLater() {
      return new Question(project, topFrom, to.plusDays(1), yearFrom);
    }
  }

  private static Question question(int i, LocalDate end) {
    LocalDate to = end.minusDays(1 + (i / PROJECTS) % 10);
    return new Question(1 + i % PROJECTS, to.minusDays(TOP_DAYS - 1), to, to.minusDays(364));
  }

  /**
   * Question {@code i} with the last seven days hot: question {@code i} with its windows stretched
   * to the last day, so that each holds every hot day (a top 25 then covers 90 to 99 days).
   */
  private static Question hybridQuestion(int i, LocalDate end) {
    Question allCold = question(i, end);
    return new Question(allCold.project(), allCold.topFrom(), end.minusDays(1), allCold.yearFrom());
  }

  /** The questions of one timed series: {@link #time} asks question 0 on. */
  private interface Series {
    Question question(int i);
  }

  /**
   * The questions {@link #time} asks of a series: {@code REPETITIONS} on to warm up, then 0 on for
   * the timed pass.
   */
  private static List<Question> questions(Series series) {
    List<Question> questions = new ArrayList<>();
    for (int i = 0; i < REPETITIONS + WARM_UPS; i++) {
      questions.add(series.question(i));
    }
    return questions;
  }

  /**
   * A question of {@code project} whose top 25 window covers those of the series {@link #time}
   * asks, its warm-up included: asked before the series, it has the service keep the parts of every
   * month, week and day that the series reads.
   */
  private static Question covering(int project, Series of) {
    List<Question> series = questions(of);
    LocalDate from = series.stream().map(Question::topFrom).min(LocalDate::compareTo).orElseThrow();
    LocalDate to = series.stream().map(Question::to).max(LocalDate::compareTo).orElseThrow();
    return new Question(project, from, to, to.minusDays(364));
  }

  private static String topUrl(String dataset, Question q) {
    return dataset
        + "/top?column=path&n=25&tenant="
        + q.project()
        + "&from="
        + q.topFrom()
        + "&to="
        + q.to();
  }

  private static String dailyUrl(String dataset, Question q) {
    return dataset
        + "/daily-totals?tenant="
        + q.project()
        + "&from="
        + q.yearFrom()
        + "&to="
        + q.to();
  }

  private static void postgresTop(Connection connection, Question q) throws SQLException {
    run(
        connection,
        "SELECT path, sum(view_count) AS views FROM public.pageviews WHERE project_id = ? AND"
            + " date BETWEEN ? AND ? GROUP BY path ORDER BY views DESC, path LIMIT 25",
        q.project(),
        q.topFrom(),
        q.to());
  }

  private static void postgresDaily(Connection connection, Question q) throws SQLException {
    run(
        connection,
        "SELECT date, sum(view_count) FROM public.pageviews WHERE project_id = ? AND date BETWEEN"
            + " ? AND ? GROUP BY date ORDER BY date",
        q.project(),
        q.yearFrom(),
        q.to());
  }

  private static void duckTop(Connection duck, String files, Question q) throws SQLException {
    run(
        duck,
        "SELECT path, sum(view_count) AS views FROM read_parquet("
            + files
            + ") WHERE project_id = ? AND date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)"
            + " GROUP BY path ORDER BY views DESC, path LIMIT 25",
        q.project(),
        q.topFrom().toString(),
        q.to().toString());
  }

  private static void duckDaily(Connection duck, String files, Question q) throws SQLException {
    run(
        duck,
        "SELECT date, sum(view_count) FROM read_parquet("
            + files
            + ") WHERE project_id = ? AND date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)"
            + " GROUP BY date ORDER BY date",
        q.project(),
        q.yearFrom().toString(),
        q.to().toString());
  }

  /** Runs a query and reads every row of its answer, as a client would. */
  private static void run(Connection connection, String sql, Object... parameters)
      throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        select.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = select.executeQuery()) {
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          for (int c = 1; c <= columns; c++) {
            rs.getObject(c);
          }
        }
      }
    }
  }

  private void restoreLastWeek(PermafrostStack stack, LocalDate end) {
    JsonNode request =
        rest.post(
            stack.archiveUrl() + "/api/v1/restores",
            Map.of(
                "dataset", "pageviews",
                "from", end.minusDays(7).toString(),
                "to", end.toString(),
                "reason", "benchmark",
                "requestedBy", "bench"));
    String statusUrl =
        stack.archiveUrl() + "/api/v1/restores/" + request.path("requestId").asText();
    JsonNode status =
        StackSteps.poll(
            () -> {
              JsonNode current = rest.get(statusUrl);
              return "RUNNING".equals(current.path("state").asText()) ? null : current;
            },
            "restore " + statusUrl);
    if (!"DONE".equals(status.path("state").asText())) {
      throw new IllegalStateException("restore failed: " + status.path("error").asText());
    }
  }

  /** Months of [first, end) with at least two days, each of which gets a merged copy. */
  private static int monthsOf(LocalDate first, LocalDate end) {
    return (int)
        first
            .datesUntil(end)
            .collect(Collectors.groupingBy(YearMonth::from, Collectors.counting()))
            .values()
            .stream()
            .filter(days -> days >= 2)
            .count();
  }

  /**
   * Waits until the dataset's {@code tiers.cold.<figure>} (merged months) is at least {@code
   * count}: the cold caches the first questions queued are built.
   */
  private void awaitColdFigure(String dataset, String figure, int count) {
    awaitColdFigure(dataset, figure, value -> value >= count, count + " " + figure);
  }

  private void awaitColdFigure(String dataset, String figure, IntPredicate done, String what) {
    StackSteps.poll(
        () ->
            done.test(rest.get(dataset).path("tiers").path("cold").path(figure).asInt())
                ? Boolean.TRUE
                : null,
        what + " of " + dataset);
  }

  /**
   * Asks each window of the series of every project once, as {@code asked} makes it another
   * question to the service's caches of answers that reads the same pieces, and waits until the
   * parts of the months, weeks and days they read are built: the series then times a dashboard's
   * steady state, where each piece of a window was read before.
   */
  private void keepPartsOfSeries(String dataset, Series series, Function<Question, String> asked) {
    Set<Question> windows = new LinkedHashSet<>();
    for (Question question : questions(series)) {
      for (int project = 1; project <= PROJECTS; project++) {
        windows.add(question.ofProject(project));
      }
    }
    for (Question window : windows) {
      rest.get(asked.apply(window));
    }
    awaitKeptParts(dataset);
  }

  /**
   * Waits until no kept parts of questions wait to be built ({@code tiers.cold.keptPartsQueued}).
   */
  private void awaitKeptParts(String dataset) {
    awaitColdFigure(dataset, "keptPartsQueued", queued -> queued == 0, "the kept parts");
  }

  /**
   * A GET as a load tool times it: HTTP/1.1 on a kept-alive connection, the answer read whole and
   * parsed. (The JDK's asynchronous {@code HttpClient}, which the other calls use, adds one to two
   * milliseconds of its own per call on this machine.)
   */
  private static JsonNode timedGet(String url) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
    connection.setConnectTimeout(5_000);
    connection.setReadTimeout(60_000);
    int status = connection.getResponseCode();
    try (InputStream body =
        status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
      byte[] answer = body == null ? new byte[0] : body.readAllBytes();
      if (status != 200) {
        throw new IllegalStateException(
            "GET " + url + " answered " + status + ": " + new String(answer, UTF_8));
      }
      return JSON.readTree(answer);
    }
  }

  /**
   * Warms the timing client's own code (the JDK's HTTP connection and Jackson, in this process), as
   * a load tool is compiled before it times anything: left cold, its first few hundred calls add up
   * to several milliseconds each of their own. Asks {@code url}, a question the service answered
   * before, again and again.
   */
  private static void warmTimedClient(String url) throws IOException {
    for (int i = 0; i < CLIENT_WARM_UPS; i++) {
      timedGet(url);
    }
  }

  private interface Request {
    void run(int i) throws Exception;
  }

  /** A warm-up pass of the series, then the timed pass. */
  private static Timing time(Request request) throws Exception {
    for (int i = 0; i < WARM_UPS; i++) {
      request.run(REPETITIONS + i);
    }
    double[] millis = new double[REPETITIONS];
    for (int i = 0; i < REPETITIONS; i++) {
      int question = i;
      millis[i] = millis(() -> request.run(question));
    }
    return Timing.of(millis);
  }

  private interface Action {
    void run() throws Exception;
  }

  private static double millis(Action action) throws Exception {
    long started = System.nanoTime();
    action.run();
    return (System.nanoTime() - started) / 1e6;
  }

  /** The cache's files whose names match, as a DuckDB list. */
  private static String parquetFiles(Path cache, String names) throws IOException {
    try (Stream<Path> files = Files.list(cache)) {
      return files
          .filter(f -> f.getFileName().toString().matches(names))
          .map(f -> "'" + f.toAbsolutePath() + "'")
          .collect(Collectors.joining(", ", "[", "]"));
    }
  }

  private static void deleteFiles(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      return;
    }
    List<Path> files;
    try (Stream<Path> listed = Files.list(directory)) {
      files = new ArrayList<>(listed.toList());
    }
    for (Path file : files) {
      Files.deleteIfExists(file);
    }
  }

  void print(Result result) {
    out.println();
    out.println("Permafrost query benchmark");
    out.printf(
        "rows                      %,d page views in %d days, all cold%n", result.rows(), DAYS);
    out.printf(
        "first request, empty cache top 25 %.0f ms, daily totals %.0f ms%n",
        result.topColdFirstMs(), result.dailyColdFirstMs());
    line("top 25 paths, 90 days", result.top());
    line("top 25, same question again", result.topCached());
    line("daily totals, one year", result.daily());
    line("daily, a project's first", result.dailyFirst());
    line("top 25, a project's first", result.topFirst());
    line("PostgreSQL top 25", result.topPostgres());
    line("PostgreSQL daily totals", result.dailyPostgres());
    line("DuckDB, merged copies: top 25", result.topDuckDb());
    line("DuckDB, merged copies: daily", result.dailyDuckDb());
    line("DuckDB, chunk files: top 25", result.topDuckDbChunks());
    line("DuckDB, chunk files: daily", result.dailyDuckDbChunks());
    line("last 7 days hot: top 25", result.topHybrid());
    line("last 7 days hot: daily", result.dailyHybrid());
    WriteCost writes = result.writeCost();
    out.printf(
        "inserts, %,d x %,d-row statements: %.0f ms with the hot-change triggers, %.0f ms without%n",
        WRITE_ROUNDS, ROWS_PER_STATEMENT, writes.batchWithMs(), writes.batchWithoutMs());
    out.printf(
        "inserts, %,d one-row statements: %.0f ms with the hot-change triggers, %.0f ms without%n",
        WRITE_ROUNDS * ONE_ROW_STATEMENTS, writes.oneRowWithMs(), writes.oneRowWithoutMs());
    out.println(result.keyValues());
  }

  private void line(String what, Timing timing) {
    out.printf("%-30s p50 %7.1f ms  p95 %7.1f ms%n", what, timing.p50(), timing.p95());
  }
}
