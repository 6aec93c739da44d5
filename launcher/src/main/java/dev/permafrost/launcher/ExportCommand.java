package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code export DATASET --from --to [--dry-run]}: a backfill, with live progress. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Exports every closed partition of [from, to) to the object store and shows progress;",
      "Ctrl-C detaches and the job goes on (./permafrost jobs watch ID reattaches).",
      "--dry-run lists the partitions with their hot rows instead, and changes nothing."
    },
    footer = {
      "",
      "Examples:",
      "  ./permafrost export pageviews --from 2025-01-01 --to 2026-01-01 --dry-run",
      "  ./permafrost export pageviews --from 2025-01-01 --to 2026-01-01"
    })
final class ExportCommand implements Callable<Integer> {

  @Parameters(paramLabel = "DATASET")
  String dataset;

  @Mixin TimeRangeOptions range;

  @Option(names = "--dry-run", description = "show what would be exported; change nothing")
  boolean dryRun;

  private final OperatorCli cli;

  ExportCommand(OperatorCli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    if (dryRun) {
      JsonNode plan =
          cli.rest.get(
              cli.exporter()
                  + "/api/v1/exports/plan?dataset="
                  + OperatorCli.queryValue(dataset)
                  + "&"
                  + range.query());
      long rows = 0;
      for (JsonNode partition : plan) {
        int chunks = partition.path("chunks").asInt();
        cli.out.printf(
            "%-14s %,12d rows  %s%n",
            partition.path("partition").asText(),
            partition.path("hotRows").asLong(),
            chunks == 0
                ? "first chunk"
                : "exported before (" + chunks + " chunks): late rows only");
        rows += partition.path("hotRows").asLong();
      }
      cli.out.printf(
          "%d partitions, %,d rows; nothing was exported (dry run)%n", plan.size(), rows);
      return 0;
    }
    JsonNode job =
        cli.rest.post(
            cli.exporter() + "/api/v1/exports",
            Map.of("dataset", dataset, "from", range.from, "to", range.to));
    cli.out.println("export job " + job.path("id").asText());
    return watch(cli, job.path("id").asText());
  }

  /**
   * Follows an export job until it ends, as a live line on a terminal; Ctrl-C leaves the job
   * running and says how to come back.
   *
   * @return 0 if the job succeeded, else 1
   */
  static int watch(OperatorCli cli, String id) {
    String url = cli.exporter() + "/api/v1/exports/" + OperatorCli.pathSegment(id);
    boolean terminal = System.console() != null;
    Thread detachNotice =
        new Thread(
            () ->
                System.err.println(
                    "\npermafrost: detached; job "
                        + id
                        + " goes on (./permafrost jobs watch "
                        + id
                        + ")"));
    Runtime.getRuntime().addShutdownHook(detachNotice);
    try {
      JsonNode done =
          StackSteps.poll(
              () -> {
                JsonNode status = cli.rest.get(url);
                if (terminal) {
                  cli.out.print("\r" + progressLine(status) + "\033[K");
                }
                return "RUNNING".equals(status.path("state").asText()) ? null : status;
              },
              "export job " + url,
              RestoreCommand.WATCH_AT_MOST);
      if (terminal) {
        cli.out.println();
      }
      cli.out.println(progressLine(done));
      if (!"SUCCEEDED".equals(done.path("state").asText())) {
        throw new IllegalStateException(
            "export job " + id + " failed: " + done.path("error").asText());
      }
      return 0;
    } finally {
      Runtime.getRuntime().removeShutdownHook(detachNotice);
    }
  }

  /** {@code [#####-----] 5/10 partitions, 1,234 rows, 456 rows/s, ETA 12 s, RUNNING}. */
  static String progressLine(JsonNode job) {
    int total = job.path("partitionsTotal").asInt();
    int done = job.path("partitionsDone").asInt();
    int width = 20;
    int filled = total == 0 ? width : (int) ((long) done * width / total);
    JsonNode eta = job.path("etaSeconds");
    return String.format(
        "[%s%s] %d/%d partitions, %,d rows, %,.0f rows/s%s, %s",
        "#".repeat(filled),
        "-".repeat(width - filled),
        done,
        total,
        job.path("rows").asLong(),
        job.path("rowsPerSecond").asDouble(),
        eta.isNumber() ? ", ETA " + eta.asLong() + " s" : "",
        job.path("state").asText());
  }
}
