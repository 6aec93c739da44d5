package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verify DATASET --from --to}: reads every chunk of a range back from the store. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Reads back every chunk whose partition starts in [from, to) and compares it with the",
      "catalog (with --tenant, only chunks holding that tenant's rows); one line per chunk, OK or",
      "what is wrong. Exit 1 if any chunk is damaged."
    },
    footer = {"", "Example:", "  ./permafrost verify pageviews --from 2026-10-01 --to 2026-11-01"})
final class VerifyCommand implements Callable<Integer> {

  @Parameters(paramLabel = "DATASET")
  String dataset;

  @Mixin TimeRangeOptions range;

  @Option(names = "--tenant", description = "only the chunks holding this tenant's rows")
  String tenant;

  private final OperatorCli cli;

  VerifyCommand(OperatorCli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    JsonNode result =
        cli.rest.get(
            cli.archive()
                + "/api/v1/datasets/"
                + OperatorCli.pathSegment(dataset)
                + "/verify?"
                + range.query()
                + (tenant == null ? "" : "&tenant=" + OperatorCli.queryValue(tenant)));
    for (JsonNode chunk : result.path("chunks")) {
      String where =
          chunk.path("partition").asText()
              + " chunk "
              + chunk.path("chunkId").asText()
              + " #"
              + chunk.path("sequence").asInt();
      if (chunk.path("intact").asBoolean()) {
        cli.out.printf("OK   %s  %,d rows%n", where, chunk.path("rows").asLong());
      } else {
        cli.out.println("BAD  " + where + "  " + chunk.path("problems"));
      }
    }
    long damaged = result.path("damaged").asLong();
    cli.out.printf("%d chunk(s) intact, %d damaged%n", result.path("intact").asLong(), damaged);
    return damaged == 0 ? 0 : 1;
  }
}
