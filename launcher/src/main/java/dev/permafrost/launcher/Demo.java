package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStack;
import dev.permafrost.devstack.DumpServer;
import java.sql.Connection;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The demo lifecycle on a running stack: load page views, ask the dashboard, export and archive
 * every day older than the hot window, ask again, and compare; then import a few hours of Wikimedia
 * dumps and report the archived one.
 */
final class Demo {

  /**
   * @param days days of page views, ending yesterday
   * @param rowsPerDay about this many rows per day
   * @param hotDays the newest days that stay in PostgreSQL
   */
  record Options(int days, int rowsPerDay, int hotDays) {}

  private static final int DASHBOARD_PROJECT = 1;

  private final PermafrostStack stack;
  private final DumpServer dumps;
  private final Progress progress;
  private final RestClient rest = new RestClient();
  private final StackSteps steps;

  /**
   * @param dumps the loopback server the exporter-service was configured to download dumps from
   *     ({@link WikimediaDemo#exporterConfig})
   */
  Demo(PermafrostStack stack, DumpServer dumps, Progress progress) {
    this.stack = stack;
    this.dumps = dumps;
    this.progress = progress;
    this.steps = new StackSteps(stack, progress);
  }

  DemoSummary run(Options options) throws Exception {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    LocalDate firstDay = today.minusDays(options.days());
    LocalDate lastDay = today.minusDays(1);
    LocalDate firstHotDay = today.minusDays(options.hotDays());

    progress.step(String.format("Loading %d days of page views", options.days()));
    long rowsLoaded;
    long postgresBytes;
    DevStack devStack = stack.devStack();
    try (Connection connection = devStack.connect()) {
      DemoData.createPageviewsTable(connection);
      DemoData.createOtherDatasetTables(connection);
      rowsLoaded =
          DemoData.loadPageviews(
              connection, firstDay, options.days(), options.rowsPerDay(), 1, 2026);
    }
    devStack.execute("ANALYZE public.pageviews");
    postgresBytes = devStack.queryLong("SELECT pg_total_relation_size('public.pageviews')");
    progress.done(String.format("%,d rows", rowsLoaded));

    String dashboard =
        stack.queryUrl()
            + "/api/v1/datasets/pageviews/daily-totals?project="
            + DASHBOARD_PROJECT
            + "&from="
            + firstDay
            + "&to="
            + lastDay;
    String before = rest.get(dashboard).path("totals").toString();

    int partitions = steps.export("pageviews", firstDay, firstHotDay);
    List<JsonNode> active = steps.awaitActive("pageviews", partitions);
    String after = rest.get(dashboard).path("totals").toString();
    WikimediaDemo.Result wikimedia = new WikimediaDemo(stack, dumps, progress).run();

    long rowsHot = devStack.queryLong("SELECT count(*) FROM public.pageviews");
    return new DemoSummary(
        rowsLoaded,
        rowsHot,
        active.stream().mapToLong(c -> c.path("rowCount").asLong()).sum(),
        active.size(),
        firstDay.toString(),
        firstHotDay.minusDays(1).toString(),
        postgresBytes,
        active.stream().mapToLong(c -> c.path("bytes").asLong()).sum(),
        "GET " + dashboard,
        before,
        after,
        wikimedia,
        stack.services().stream().map(s -> s.url() + "/q/swagger-ui").toList());
  }
}
