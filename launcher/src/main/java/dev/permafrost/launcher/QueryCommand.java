package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code query DATASET top|daily-totals|top-per-group}: dashboard answers as a table. */
@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    description = "Asks the query-service a dashboard question over hot and cold rows.",
    subcommands = {
      QueryCommand.Top.class,
      QueryCommand.DailyTotals.class,
      QueryCommand.TopPerGroup.class
    },
    footer = {
      "",
      "Examples:",
      "  ./permafrost query pageviews top --column path --n 25 --tenant 1 --from 2026-08-01"
          + " --to 2026-10-31",
      "  ./permafrost query pageviews daily-totals --tenant 1 --from 2026-10-01 --to 2026-10-31",
      "  ./permafrost query wiki_pageviews top-per-group --group domain --column page --n 5"
          + " --from 2026-11-20 --to 2026-11-20"
    })
final class QueryCommand {

  @Parameters(index = "0", paramLabel = "DATASET")
  String dataset;

  /** What every question has: a range and an optional tenant. */
  abstract static class Question implements Callable<Integer> {

    @ParentCommand QueryCommand parent;

    @Option(
        names = "--from",
        required = true,
        converter = OperatorCli.TimeArgument.class,
        description = "a date or an instant")
    String from;

    @Option(
        names = "--to",
        required = true,
        converter = OperatorCli.TimeArgument.class,
        description = "a date (inclusive) or an instant")
    String to;

    @Option(names = "--tenant", description = "only this tenant's rows")
    String tenant;

    final OperatorCli cli;

    Question(OperatorCli cli) {
      this.cli = cli;
    }

    abstract String endpoint();

    abstract List<String> parameters();

    /** The answer's rows. */
    JsonNode rows(JsonNode answer) {
      return answer.path("rows");
    }

    @Override
    public Integer call() {
      StringBuilder url =
          new StringBuilder(cli.query())
              .append("/api/v1/datasets/")
              .append(OperatorCli.pathSegment(parent.dataset))
              .append('/')
              .append(endpoint())
              .append("?from=")
              .append(OperatorCli.queryValue(from))
              .append("&to=")
              .append(OperatorCli.queryValue(to));
      if (tenant != null) {
        url.append("&tenant=").append(OperatorCli.queryValue(tenant));
      }
      for (String parameter : parameters()) {
        url.append('&').append(parameter);
      }
      printTable(rows(cli.rest.get(url.toString())));
      return 0;
    }

    private void printTable(JsonNode rows) {
      if (rows.isEmpty()) {
        cli.out.println("(no rows)");
        return;
      }
      List<String> columns = new ArrayList<>();
      rows.get(0).fieldNames().forEachRemaining(columns::add);
      List<List<String>> cells = new ArrayList<>();
      int[] widths = columns.stream().mapToInt(String::length).toArray();
      for (JsonNode row : rows) {
        List<String> line = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
          JsonNode value = row.path(columns.get(i));
          String text =
              value.isIntegralNumber() ? String.format("%,d", value.asLong()) : value.asText();
          widths[i] = Math.max(widths[i], text.length());
          line.add(text);
        }
        cells.add(line);
      }
      cli.out.println(format(columns, widths));
      cells.forEach(line -> cli.out.println(format(line, widths)));
    }

    private static String format(List<String> line, int[] widths) {
      StringBuilder text = new StringBuilder();
      Iterator<String> values = line.iterator();
      for (int i = 0; values.hasNext(); i++) {
        text.append(String.format("%-" + widths[i] + "s", values.next()));
        if (values.hasNext()) {
          text.append("  ");
        }
      }
      return text.toString().stripTrailing();
    }
  }

  @Command(
      name = "top",
      mixinStandardHelpOptions = true,
      description = "The top N values of a column by the metric.",
      footer = {
        "",
        "Example:",
        "  ./permafrost query pageviews top --column path --n 25 --tenant 1 --from 2026-08-01"
            + " --to 2026-10-31"
      })
  static final class Top extends Question {
    @Option(names = "--column", required = true, description = "the column whose values rank")
    String column;

    @Option(names = "--n", defaultValue = "10", description = "how many; default ${DEFAULT-VALUE}")
    int n;

    Top(OperatorCli cli) {
      super(cli);
    }

    @Override
    String endpoint() {
      return "top";
    }

    @Override
    List<String> parameters() {
      return List.of("column=" + OperatorCli.queryValue(column), "n=" + n);
    }
  }

  @Command(
      name = "daily-totals",
      mixinStandardHelpOptions = true,
      description = "The metric summed per UTC day.",
      footer = {
        "",
        "Example:",
        "  ./permafrost query pageviews daily-totals --tenant 1 --from 2026-10-01 --to 2026-10-31"
      })
  static final class DailyTotals extends Question {
    DailyTotals(OperatorCli cli) {
      super(cli);
    }

    @Override
    String endpoint() {
      return "daily-totals";
    }

    @Override
    List<String> parameters() {
      return List.of();
    }

    @Override
    JsonNode rows(JsonNode answer) {
      return answer.path("totals");
    }
  }

  @Command(
      name = "top-per-group",
      mixinStandardHelpOptions = true,
      description = "The top N values of a column for each value of a group column.",
      footer = {
        "",
        "Example:",
        "  ./permafrost query wiki_pageviews top-per-group --group domain --column page --n 5"
            + " --from 2026-11-20 --to 2026-11-20"
      })
  static final class TopPerGroup extends Question {
    @Option(names = "--group", required = true, description = "the column that groups")
    String group;

    @Option(names = "--column", required = true, description = "the column whose values rank")
    String column;

    @Option(
        names = "--n",
        defaultValue = "10",
        description = "how many per group; default ${DEFAULT-VALUE}")
    int n;

    TopPerGroup(OperatorCli cli) {
      super(cli);
    }

    @Override
    String endpoint() {
      return "top-per-group";
    }

    @Override
    List<String> parameters() {
      return List.of(
          "group=" + OperatorCli.queryValue(group),
          "column=" + OperatorCli.queryValue(column),
          "n=" + n);
    }
  }
}
