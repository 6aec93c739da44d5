package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code report wikimedia}: the Wikimedia report of the query-service in its text form. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = "Reports computed by the query-service.",
    subcommands = ReportCommand.Wikimedia.class,
    footer = {"", "Example:", "  ./permafrost report wikimedia --hour 2026-11-20T13"})
final class ReportCommand {

  @Command(
      name = "wikimedia",
      mixinStandardHelpOptions = true,
      description = {
        "The 25 most viewed pages of every Wikimedia domain for an hour or a day, deny-listed pages",
        "left out: three # lines, then one line per page, 'domain rank title views'."
      },
      footer = {
        "",
        "Examples:",
        "  ./permafrost report wikimedia --hour 2026-11-20T13",
        "  ./permafrost report wikimedia --day 2026-11-20 --output top-pages.txt",
        "  ./permafrost report wikimedia --hour 2026-11-20T13 --output store"
      })
  static final class Wikimedia implements Callable<Integer> {

    /** Exactly one period. */
    static final class Period {
      @Option(names = "--hour", required = true, description = "a UTC hour: 2026-11-20T13")
      String hour;

      @Option(names = "--day", required = true, description = "a UTC day: 2026-11-20")
      String day;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Period period;

    @Option(
        names = "--output",
        description = "a file to write, or 'store' for the object store; default the terminal")
    String output;

    private final OperatorCli cli;

    Wikimedia(OperatorCli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
      String url =
          cli.query()
              + "/api/v1/reports/wikimedia/top?"
              + (period.hour != null
                  ? "hour=" + OperatorCli.queryValue(period.hour)
                  : "day=" + OperatorCli.queryValue(period.day));
      if ("store".equals(output)) {
        JsonNode stored = cli.rest.post(url, Map.of());
        cli.out.printf(
            "s3://%s/%s (%d pages, sha256 %s)%n",
            stored.path("bucket").asText(),
            stored.path("key").asText(),
            stored.path("entries").asInt(),
            stored.path("sha256").asText());
        return 0;
      }
      String text = cli.rest.getText(url + "&format=text");
      if (output == null) {
        cli.out.print(text);
      } else {
        Files.writeString(Path.of(output), text, StandardCharsets.UTF_8);
        cli.out.println(output + " (" + (text.lines().count() - 3) + " pages)");
      }
      return 0;
    }
  }
}
