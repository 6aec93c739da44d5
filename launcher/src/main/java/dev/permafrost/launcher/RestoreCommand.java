package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code restore DATASET --from --to}: brings archived rows back into PostgreSQL. */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    description = {
      "Restores every archived chunk whose partition starts in [from, to) into PostgreSQL, or only",
      "one tenant's rows; asks first unless --yes, and shows progress."
    },
    footer = {
      "",
      "Example:",
      "  ./permafrost restore pageviews --from 2026-10-01 --to 2026-11-01 --tenant 7 --yes"
    })
final class RestoreCommand implements Callable<Integer> {

  @Parameters(paramLabel = "DATASET")
  String dataset;

  @Mixin TimeRangeOptions range;

  @Option(names = "--tenant", description = "only this tenant's rows")
  String tenant;

  @Option(names = "--yes", description = "do not ask")
  boolean yes;

  @Option(names = "--reason", defaultValue = "restored with ./permafrost restore")
  String reason;

  @Option(names = "--requested-by", defaultValue = "${sys:user.name}")
  String requestedBy;

  /** Following a restore or an export ends only with it; this is only a backstop. */
  static final java.time.Duration WATCH_AT_MOST = java.time.Duration.ofDays(7);

  private final OperatorCli cli;

  RestoreCommand(OperatorCli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws Exception {
    Instant start = OperatorCli.instant(range.from);
    Instant end = OperatorCli.instant(range.to);
    long chunks = 0;
    long rows = 0;
    for (JsonNode chunk :
        cli.rest.get(
            cli.archive() + "/api/v1/datasets/" + OperatorCli.pathSegment(dataset) + "/chunks")) {
      Instant partition = Instant.parse(chunk.path("partitionStart").asText());
      if ("ACTIVE".equals(chunk.path("state").asText())
          && !partition.isBefore(start)
          && partition.isBefore(end)) {
        chunks++;
        rows += chunk.path("rowCount").asLong();
      }
    }
    if (chunks == 0) {
      throw new IllegalStateException(
          "nothing of "
              + dataset
              + " "
              + range.from
              + ".."
              + range.to
              + " is archived; nothing to restore");
    }
    String what =
        String.format(
            "%s %s..%s%s: %d archived chunk(s) holding %,d rows%s",
            dataset,
            range.from,
            range.to,
            tenant == null ? "" : " tenant " + tenant,
            chunks,
            rows,
            tenant == null ? "" : " of all tenants, of which the tenant's come back");
    if (!yes && !cli.confirm("Restore " + what + " into PostgreSQL?")) {
      throw new IllegalStateException("restore declined at the prompt; nothing was changed");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("dataset", dataset);
    body.put("from", range.from);
    body.put("to", range.to);
    body.put("tenant", tenant);
    body.put("reason", reason);
    body.put("requestedBy", requestedBy);
    JsonNode request = cli.rest.post(cli.archive() + "/api/v1/restores", body);
    String url = cli.archive() + "/api/v1/restores/" + request.path("requestId").asText();
    boolean terminal = System.console() != null;
    JsonNode done =
        StackSteps.poll(
            () -> {
              JsonNode status = cli.rest.get(url);
              if (terminal) {
                cli.out.printf(
                    "\r  %d/%d chunks, %,d rows\033[K",
                    status.path("chunksDone").asInt(),
                    status.path("chunksTotal").asInt(),
                    status.path("rowsRestored").asLong());
              }
              return "RUNNING".equals(status.path("state").asText()) ? null : status;
            },
            "restore " + url,
            WATCH_AT_MOST);
    if (terminal) {
      cli.out.println();
    }
    if (!"DONE".equals(done.path("state").asText())) {
      throw new IllegalStateException("restore " + url + " failed: " + done.path("error").asText());
    }
    cli.out.printf(
        "restored %d chunk(s), %,d rows of %s %s..%s%s (request %s)%n",
        done.path("chunksDone").asInt(),
        done.path("rowsRestored").asLong(),
        dataset,
        range.from,
        range.to,
        tenant == null ? "" : " tenant " + tenant,
        request.path("requestId").asText());
    return 0;
  }
}
