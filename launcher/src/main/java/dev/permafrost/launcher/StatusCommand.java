package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code status [DATASET]}: where every dataset's data is, from the archive-service. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Partitions per state, rows and bytes per tier, oldest unarchived partition.",
    footer = {"", "Example:", "  ./permafrost status pageviews", "  ./permafrost status --json"})
final class StatusCommand implements Callable<Integer> {

  @Parameters(arity = "0..1", paramLabel = "DATASET", description = "one dataset; default all")
  String dataset;

  @Option(names = "--json", description = "the statuses as a JSON array, for scripts")
  boolean json;

  private final OperatorCli cli;

  StatusCommand(OperatorCli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws Exception {
    List<String> names = new ArrayList<>();
    if (dataset != null) {
      names.add(dataset);
    } else {
      for (JsonNode info : cli.rest.get(cli.query() + "/api/v1/datasets")) {
        names.add(info.path("name").asText());
      }
    }
    ObjectMapper mapper = new ObjectMapper();
    ArrayNode statuses = mapper.createArrayNode();
    for (String name : names) {
      statuses.add(
          cli.rest.get(
              cli.archive() + "/api/v1/datasets/" + OperatorCli.pathSegment(name) + "/status"));
    }
    if (json) {
      cli.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(statuses));
      return 0;
    }
    for (JsonNode status : statuses) {
      print(status);
    }
    return 0;
  }

  private void print(JsonNode status) {
    JsonNode partitions = status.path("partitionsByState");
    long postgres = status.path("postgresBytes").asLong();
    long store = status.path("objectStoreBytes").asLong();
    cli.out.printf("%s (%s)%n", status.path("dataset").asText(), status.path("table").asText());
    cli.out.printf(
        "  partitions   hot %d  exported %d  verified %d  archived %d  restored %d  corrupt %d%n",
        status.path("hotPartitions").asLong(),
        partitions.path("EXPORTED").asLong(),
        partitions.path("VERIFIED").asLong(),
        partitions.path("ACTIVE").asLong(),
        partitions.path("RESTORED").asLong(),
        partitions.path("CORRUPT").asLong());
    cli.out.printf(
        "  rows         hot %,d  cold %,d%n",
        status.path("hotRows").asLong(), status.path("coldRows").asLong());
    cli.out.printf(
        "  bytes        PostgreSQL %,d  object store %,d%s%n",
        postgres,
        store,
        store == 0 ? "" : String.format("  (%.1fx smaller)", (double) postgres / store));
    cli.out.println(
        "  oldest unarchived partition  "
            + status.path("oldestUnarchivedPartition").asText("none (nothing hot)"));
    JsonNode error = status.path("lastError");
    cli.out.println(
        "  last error   "
            + (error.isMissingNode() || error.isNull()
                ? "none"
                : error.path("partition").asText() + " " + error.path("error").asText()));
  }
}
