package dev.permafrost.launcher;

import dev.permafrost.devstack.DumpServer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** Entry point of {@code ./permafrost}: parses the command line and runs the command. */
public final class Launcher {

  static final String USAGE =
      """
      usage: ./permafrost demo [--exit] [--days N] [--rows-per-day N]
             ./permafrost bench export [--rows N]
             ./permafrost bench archive [--rows N]
             ./permafrost bench query [--rows N]
             ./permafrost status|export|jobs|verify|restore|purge-tenant|query|ddl|report ...
                                     (see ./permafrost COMMAND --help)

        demo   start PostgreSQL, Kafka, S3Proxy and the three services, load page views,
               archive every day older than a week and print a summary; Ctrl-C stops it all
               --exit            stop after the summary (for scripts)
               --days N          days of page views to load (default 30, at least 8)
               --rows-per-day N  about this many rows per day (default 35000)

        bench export  generate a page-view table, export it with the exporter's code to S3Proxy
               and compare with PostgreSQL's COPY BINARY drain of the same rows, the table's
               size and DuckDB's Parquet; the last line holds the figures as key=value pairs
               --rows N          rows to generate (default 10000000)

        bench archive  start the stack, archive generated page views (10 daily partitions)
               and restore them, and compare the archive-service's verify, prune and restore
               speed with PostgreSQL's own COPY FROM and DELETE of the same rows
               --rows N          rows to generate (default 10000000)

        bench query  start the stack, archive generated page views (100 daily partitions) and
               time dashboard questions (top 25 paths, daily totals) all cold, then with the
               last 7 days hot, next to PostgreSQL with covering indexes and DuckDB alone
               --rows N          rows to generate (default 10000000)

        status [DATASET] [--json]          where each dataset's data is
        export DATASET --from --to [--dry-run]   backfill with progress; Ctrl-C detaches
        jobs [watch ID]                     export jobs; follow one
        verify DATASET --from --to [--tenant T]   read chunks back; exit 1 if any is damaged
        restore DATASET --from --to [--tenant T] [--yes]
        purge-tenant TENANT [--dataset D] [--yes]   erase a tenant, after a dry run
        query DATASET top|daily-totals|top-per-group ...
        ddl DATASET --engine athena|trino|duckdb
        report wikimedia --hour H | --day D [--output FILE | --output store]
               these talk to the running services: --exporter-url, --archive-url, --query-url,
               or PERMAFROST_EXPORTER_URL, ..., or ~/.permafrost/cli.properties; default the
               demo stack on localhost:8081..8083

      example: ./permafrost demo --exit
      """;

  private Launcher() {}

  public static void main(String[] args) {
    PrintStream out = System.out;
    try {
      System.exit(run(List.of(args), out));
    } catch (UsageException e) {
      System.err.println("permafrost: " + e.getMessage() + " (see ./permafrost --help)");
      System.exit(2);
    } catch (Exception e) {
      System.err.println("permafrost: " + e.getMessage());
      System.exit(1);
    }
  }

  static int run(List<String> args, PrintStream out) throws Exception {
    if (!args.isEmpty() && OperatorCli.COMMANDS.contains(args.get(0))) {
      return OperatorCli.run(args.toArray(String[]::new), out, System.err, System.in);
    }
    if (args.isEmpty()
        || args.contains("--help")
        || args.contains("-h")
        || args.get(0).equals("help")) {
      out.print(USAGE);
      return args.isEmpty() ? 2 : 0;
    }
    if (args.get(0).equals("bench")) {
      return bench(args, out);
    }
    if (!args.get(0).equals("demo")) {
      throw new UsageException(
          "unknown command '"
              + args.get(0)
              + "'; commands: demo, bench, "
              + String.join(", ", OperatorCli.COMMANDS));
    }
    boolean exit = false;
    int days = 30;
    int rowsPerDay = 35_000;
    for (int i = 1; i < args.size(); i++) {
      switch (args.get(i)) {
        case "--exit" -> exit = true;
        case "--days" -> days = positive("--days", args, ++i);
        case "--rows-per-day" -> rowsPerDay = positive("--rows-per-day", args, ++i);
        default -> throw new UsageException("unknown option '" + args.get(i) + "' for demo");
      }
    }
    if (days < 8) {
      throw new UsageException("--days must be at least 8: the newest 7 days stay hot");
    }
    Path home = Path.of(System.getProperty("permafrost.home", ".")).toAbsolutePath().normalize();
    Path workDir = home.resolve(".permafrost/demo");
    Progress progress = new Progress(out, System.console() != null);
    out.println("Permafrost demo (work directory " + workDir + ", logs there)");
    try (DumpServer dumps = DumpServer.start();
        PermafrostStack stack =
            PermafrostStack.start(
                home,
                workDir,
                Map.of(PermafrostStack.EXPORTER, WikimediaDemo.exporterConfig(dumps, workDir)),
                progress)) {
      DemoSummary summary =
          new Demo(stack, dumps, progress).run(new Demo.Options(days, rowsPerDay, 7));
      summary.print(out);
      if (!summary.answersEqual()) {
        return 1;
      }
      if (!exit) {
        out.println();
        out.println("Running. Press Ctrl-C to stop everything.");
        new CountDownLatch(1).await(); // the shutdown hook stops the stack on Ctrl-C
      }
    }
    return 0;
  }

  private static int bench(List<String> args, PrintStream out) throws Exception {
    if (args.size() < 2 || !List.of("export", "archive", "query").contains(args.get(1))) {
      throw new UsageException("bench needs a benchmark name; benchmarks: export, archive, query");
    }
    String name = args.get(1);
    long rows = 10_000_000;
    for (int i = 2; i < args.size(); i++) {
      if (args.get(i).equals("--rows")) {
        rows = positive("--rows", args, ++i);
      } else {
        throw new UsageException("unknown option '" + args.get(i) + "' for bench " + name);
      }
    }
    Path home = Path.of(System.getProperty("permafrost.home", ".")).toAbsolutePath().normalize();
    Path workDir = home.resolve(".permafrost/bench-" + name);
    out.println("Permafrost " + name + " benchmark (work directory " + workDir + ")");
    Progress progress = new Progress(out, System.console() != null);
    if (name.equals("query")) {
      QueryBenchmark benchmark = new QueryBenchmark(out, progress);
      benchmark.print(benchmark.run(home, workDir, rows));
      return 0;
    }
    if (name.equals("archive")) {
      ArchiveBenchmark benchmark = new ArchiveBenchmark(out, progress);
      benchmark.print(benchmark.run(home, workDir, rows));
      return 0;
    }
    ExportBenchmark benchmark = new ExportBenchmark(out, progress);
    benchmark.print(benchmark.run(workDir, rows));
    return 0;
  }

  private static int positive(String option, List<String> args, int index) {
    if (index >= args.size()) {
      throw new UsageException(option + " needs a number");
    }
    try {
      int value = Integer.parseInt(args.get(index));
      if (value <= 0) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new UsageException(
          option + " must be a positive whole number, not '" + args.get(index) + "'");
    }
  }

  /** A command line that cannot be run as given. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
