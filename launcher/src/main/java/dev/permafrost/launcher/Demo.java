package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStack;
import java.sql.Connection;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * The demo lifecycle on a running stack: load page views, ask the dashboard, export and archive
 * every day older than the hot window, ask again, and compare.
 */
final class Demo {

  /**
   * @param days days of page views, ending yesterday
   * @param rowsPerDay about this many rows per day
   * @param hotDays the newest days that stay in PostgreSQL
   */
  record Options(int days, int rowsPerDay, int hotDays) {}

  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(10);
  private static final int DASHBOARD_PROJECT = 1;

  private final PermafrostStack stack;
  private final Progress progress;
  private final RestClient rest = new RestClient();

  Demo(PermafrostStack stack, Progress progress) {
    this.stack = stack;
    this.progress = progress;
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

    int partitions = export(firstDay, firstHotDay);
    List<JsonNode> active = awaitArchived(partitions);
    String after = rest.get(dashboard).path("totals").toString();

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
        stack.services().stream().map(s -> s.url() + "/q/swagger-ui").toList());
  }

  /**
   * Exports [from, to) through the exporter's REST API and waits for the job; returns partitions.
   */
  private int export(LocalDate from, LocalDate to) {
    progress.step("Exporting " + from + " .. " + to.minusDays(1) + " to Parquet on S3");
    JsonNode job =
        rest.post(
            stack.exporterUrl() + "/api/v1/exports",
            Map.of("dataset", "pageviews", "from", from.toString(), "to", to.toString()));
    String jobUrl = stack.exporterUrl() + "/api/v1/exports/" + job.path("id").asText();
    JsonNode status =
        poll(
            () -> {
              JsonNode current = rest.get(jobUrl);
              progress.update(
                  String.format(
                      "%d/%d partitions, %,d rows",
                      current.path("partitionsDone").asInt(),
                      current.path("partitionsTotal").asInt(),
                      current.path("rows").asLong()));
              return "RUNNING".equals(current.path("state").asText()) ? null : current;
            },
            "export job " + jobUrl);
    if (!"SUCCEEDED".equals(status.path("state").asText())) {
      throw new IllegalStateException("export job failed: " + status.path("error").asText());
    }
    progress.done(
        String.format(
            "%d partitions, %,d rows, %,d bytes",
            status.path("partitionsTotal").asInt(),
            status.path("rows").asLong(),
            status.path("bytes").asLong()));
    return status.path("partitionsTotal").asInt();
  }

  /** Waits until the archive-service made every exported chunk ACTIVE. */
  private List<JsonNode> awaitArchived(int expectedChunks) {
    progress.step("Verifying chunks and pruning hot rows");
    String chunksUrl = stack.archiveUrl() + "/api/v1/datasets/pageviews/chunks";
    List<JsonNode> active =
        poll(
            () -> {
              List<JsonNode> chunks = list(rest.get(chunksUrl));
              chunks.stream()
                  .filter(c -> "CORRUPT".equals(c.path("state").asText()))
                  .findFirst()
                  .ifPresent(
                      c -> {
                        throw new IllegalStateException(
                            "chunk "
                                + c.path("chunkId").asText()
                                + " is CORRUPT: "
                                + c.path("lastError").asText());
                      });
              List<JsonNode> done =
                  chunks.stream().filter(c -> "ACTIVE".equals(c.path("state").asText())).toList();
              progress.update(String.format("%d/%d chunks ACTIVE", done.size(), expectedChunks));
              return done.size() >= expectedChunks ? done : null;
            },
            "chunks of pageviews to become ACTIVE");
    progress.done(String.format("%d chunks ACTIVE", active.size()));
    return active;
  }

  private static List<JsonNode> list(JsonNode array) {
    List<JsonNode> items = new java.util.ArrayList<>();
    array.forEach(items::add);
    return items;
  }

  private static <T> T poll(java.util.function.Supplier<T> attempt, String what) {
    long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      T result = attempt.get();
      if (result != null) {
        return result;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
    throw new IllegalStateException("gave up waiting for " + what + " after " + STEP_TIMEOUT);
  }
}
