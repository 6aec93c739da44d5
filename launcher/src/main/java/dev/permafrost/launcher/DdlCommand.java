package dev.permafrost.launcher;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ddl DATASET --engine}: DDL that lets another engine read the cold data. */
@Command(
    name = "ddl",
    mixinStandardHelpOptions = true,
    description = "DDL for Athena (partition projection), Trino or DuckDB over the Hive layout.",
    footer = {"", "Example:", "  ./permafrost ddl pageviews --engine athena"})
final class DdlCommand implements Callable<Integer> {

  /** The engines the query-service writes DDL for. */
  enum Engine {
    athena,
    trino,
    duckdb
  }

  @Parameters(paramLabel = "DATASET")
  String dataset;

  @Option(names = "--engine", required = true, description = "one of: ${COMPLETION-CANDIDATES}")
  Engine engine;

  private final OperatorCli cli;

  DdlCommand(OperatorCli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    cli.out.print(
        cli.rest.getText(
            cli.query()
                + "/api/v1/datasets/"
                + OperatorCli.pathSegment(dataset)
                + "/ddl?engine="
                + engine));
    return 0;
  }
}
