package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStack;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;

/**
 * {@code ./permafrost bench archive}: page views archived and restored by the running services,
 * measured by the archive-service's own operation metrics, next to PostgreSQL's own COPY FROM and
 * DELETE of the same rows measured in the same run.
 */
final class ArchiveBenchmark {

  /** Rows per second of each operation and of its baseline. */
  record Result(
      long rows,
      int partitions,
      double verifyRowsPerSecond,
      double pruneRowsPerSecond,
      double deleteRowsPerSecond,
      double restoreRowsPerSecond,
      double copyFromRowsPerSecond) {

    String keyValues() {
      return String.format(
          java.util.Locale.ROOT,
          "verify_rows_per_s=%.0f prune_rows_per_s=%.0f delete_rows_per_s=%.0f"
              + " prune_vs_delete=%.2f restore_rows_per_s=%.0f copy_from_rows_per_s=%.0f"
              + " restore_vs_copy_from=%.2f",
          verifyRowsPerSecond,
          pruneRowsPerSecond,
          deleteRowsPerSecond,
          pruneRowsPerSecond / deleteRowsPerSecond,
          restoreRowsPerSecond,
          copyFromRowsPerSecond,
          restoreRowsPerSecond / copyFromRowsPerSecond);
    }
  }

  private static final int PARTITIONS = 10;

  private final PrintStream out;
  private final Progress progress;
  private final RestClient rest = new RestClient();

  ArchiveBenchmark(PrintStream out, Progress progress) {
    this.out = out;
    this.progress = progress;
  }

  Result run(Path home, Path workDir, long rows) throws Exception {
    LocalDate firstDay = LocalDate.now(ZoneOffset.UTC).minusDays(40);
    LocalDate end = firstDay.plusDays(PARTITIONS);
    try (PermafrostStack stack = PermafrostStack.start(home, workDir, Map.of(), progress)) {
      DevStack devStack = stack.devStack();
      progress.step(String.format("Loading %,d page views in %d days", rows, PARTITIONS));
      long loaded;
      try (Connection connection = devStack.connect()) {
        DemoData.createPageviewsTable(connection);
        DemoData.createOtherDatasetTables(connection);
        loaded =
            DemoData.loadPageviews(
                connection, firstDay, PARTITIONS, (int) (rows / PARTITIONS), 1, 2026);
      }
      settle(devStack);
      progress.done(String.format("%,d rows", loaded));

      double[] baseline = baseline(devStack, workDir, loaded, firstDay);

      StackSteps steps = new StackSteps(stack, progress);
      String metricsUrl = stack.archiveUrl() + "/q/metrics";
      steps.export("pageviews", firstDay, end);
      steps.awaitActive("pageviews", PARTITIONS);
      String metrics = rest.getText(metricsUrl);

      settle(devStack);
      progress.step("Restoring every partition");
      JsonNode request =
          rest.post(
              stack.archiveUrl() + "/api/v1/restores",
              Map.of(
                  "dataset", "pageviews",
                  "from", firstDay.toString(),
                  "to", end.toString(),
                  "reason", "benchmark",
                  "requestedBy", "bench"));
      String statusUrl =
          stack.archiveUrl() + "/api/v1/restores/" + request.path("requestId").asText();
      JsonNode restored =
          StackSteps.poll(
              () -> {
                JsonNode status = rest.get(statusUrl);
                progress.update(
                    String.format("%d/%d chunks", status.path("chunksDone").asInt(), PARTITIONS));
                return "RUNNING".equals(status.path("state").asText()) ? null : status;
              },
              "restore " + statusUrl);
      if (!"DONE".equals(restored.path("state").asText())) {
        throw new IllegalStateException("restore failed: " + restored.path("error").asText());
      }
      progress.done(String.format("%,d rows", restored.path("rowsRestored").asLong()));
      // Wall clock of the whole request: its chunks are restored side by side.
      double restoreSeconds =
          java.time.Duration.between(
                      java.time.Instant.parse(restored.path("requestedAt").asText()),
                      java.time.Instant.parse(restored.path("finishedAt").asText()))
                  .toNanos()
              / 1e9;
      return new Result(
          loaded,
          PARTITIONS,
          rowsPerSecond(metrics, "verify"),
          rowsPerSecond(metrics, "prune"),
          baseline[1],
          restored.path("rowsRestored").asLong() / restoreSeconds,
          baseline[0]);
    }
  }

  /**
   * Lets PostgreSQL finish the background work of what came before (vacuum and statistics of the
   * bulk load or the prunes, dirty pages), so that it is not charged to the next timed step.
   */
  private static void settle(DevStack devStack) throws Exception {
    devStack.execute("VACUUM (ANALYZE) public.pageviews");
    devStack.execute("CHECKPOINT");
  }

  /**
   * PostgreSQL's own speed on the same rows: COPY FROM of their text into a copy of the table, then
   * DELETE of the copy one partition at a time.
   *
   * @return copy-from and delete rows per second
   */
  private double[] baseline(DevStack devStack, Path workDir, long rows, LocalDate firstDay)
      throws Exception {
    progress.step("Measuring PostgreSQL's COPY FROM and DELETE of the same rows");
    Path dump = workDir.resolve("pageviews.copy");
    double copySeconds;
    double deleteSeconds;
    try (Connection connection = devStack.connect()) {
      PGConnection pg = connection.unwrap(PGConnection.class);
      try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(dump))) {
        pg.getCopyAPI().copyOut("COPY public.pageviews TO STDOUT", file);
      }
      devStack.execute("DROP TABLE IF EXISTS public.bench_baseline");
      devStack.execute("CREATE TABLE public.bench_baseline (LIKE public.pageviews INCLUDING ALL)");
      long started = System.nanoTime();
      try (InputStream file = new BufferedInputStream(Files.newInputStream(dump))) {
        pg.getCopyAPI().copyIn("COPY public.bench_baseline FROM STDIN", file);
      }
      copySeconds = (System.nanoTime() - started) / 1e9;
      started = System.nanoTime();
      for (int day = 0; day < PARTITIONS; day++) {
        devStack.execute(
            "DELETE FROM public.bench_baseline WHERE date = '" + firstDay.plusDays(day) + "'");
      }
      deleteSeconds = (System.nanoTime() - started) / 1e9;
      devStack.execute("DROP TABLE public.bench_baseline");
    } finally {
      Files.deleteIfExists(dump);
    }
    progress.done(
        String.format(
            "COPY FROM %,.0f rows/s, DELETE %,.0f rows/s",
            rows / copySeconds, rows / deleteSeconds));
    return new double[] {rows / copySeconds, rows / deleteSeconds};
  }

  /** Rows per second of an operation, from the archive-service's Prometheus metrics. */
  static double rowsPerSecond(String prometheus, String operation) {
    double rows = metric(prometheus, "permafrost_archive_rows_total", operation);
    double seconds = metric(prometheus, "permafrost_archive_operation_seconds_sum", operation);
    return rows / seconds;
  }

  private static double metric(String prometheus, String name, String operation) {
    Matcher matcher =
        Pattern.compile(
                "(?m)^"
                    + Pattern.quote(name)
                    + "\\{[^}]*operation=\""
                    + Pattern.quote(operation)
                    + "\"[^}]*\\}\\s+(\\S+)")
            .matcher(prometheus);
    if (!matcher.find()) {
      throw new IllegalStateException(
          "the archive-service reports no " + name + " for " + operation);
    }
    return Double.parseDouble(matcher.group(1));
  }

  void print(Result result) {
    out.println();
    out.println("Permafrost archive benchmark");
    out.printf(
        "rows                     %,d in %d partitions%n", result.rows(), result.partitions());
    out.printf(
        "verify_rows_per_s        %,.0f (read back from S3Proxy, SHA-256, decode, digest)%n",
        result.verifyRowsPerSecond());
    out.printf(
        "prune_rows_per_s         %,.0f (fresh read-back, keys, DELETE ... RETURNING, digest)%n",
        result.pruneRowsPerSecond());
    out.printf(
        "delete_rows_per_s        %,.0f (PostgreSQL DELETE of the same rows per partition)%n",
        result.deleteRowsPerSecond());
    out.printf(
        "restore_rows_per_s       %,.0f (request to done, chunks side by side: read-back, COPY,"
            + " digest check)%n",
        result.restoreRowsPerSecond());
    out.printf(
        "copy_from_rows_per_s     %,.0f (PostgreSQL COPY FROM of the same rows)%n",
        result.copyFromRowsPerSecond());
    out.println(result.keyValues());
  }
}
