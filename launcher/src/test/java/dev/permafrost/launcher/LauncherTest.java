package dev.permafrost.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LauncherTest {

  @Test
  void helpPrintsUsageWithAnExample() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(Launcher.run(List.of("--help"), new PrintStream(out, true, StandardCharsets.UTF_8)))
        .isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("usage: ./permafrost demo")
        .contains("example: ./permafrost demo --exit");
  }

  @Test
  void badCommandLinesSayWhatIsWrongAndStartNothing() {
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Launcher.run(List.of("dmeo"), out))
        .isInstanceOf(Launcher.UsageException.class)
        .hasMessage(
            "unknown command 'dmeo'; commands: demo, bench, status, export, jobs, verify, restore,"
                + " purge-tenant, query, ddl, report");
    assertThatThrownBy(() -> Launcher.run(List.of("bench", "import"), out))
        .hasMessage("bench needs a benchmark name; benchmarks: export, archive, query");
    assertThatThrownBy(() -> Launcher.run(List.of("demo", "--days", "three"), out))
        .hasMessage("--days must be a positive whole number, not 'three'");
    assertThatThrownBy(() -> Launcher.run(List.of("demo", "--days", "3"), out))
        .hasMessageContaining("at least 8");
    assertThatThrownBy(() -> Launcher.run(List.of("demo", "--fast"), out))
        .hasMessage("unknown option '--fast' for demo");
  }

  @Test
  void operatorCommandsAnswerABadCommandLineWithOneLineAndExit2() {
    assertThat(cli("report", "wiki"))
        .isEqualTo(
            "2 permafrost: Unmatched argument at index 1: 'wiki' (see ./permafrost report --help)");
    assertThat(cli("report", "wikimedia"))
        .startsWith("2 permafrost: Error: Missing required argument (specify one of these)");
    assertThat(cli("report", "wikimedia", "--hour", "2026-11-20T13", "--day", "2026-11-20"))
        .contains("mutually exclusive");
    assertThat(cli("ddl", "pageviews", "--engine", "oracle"))
        .contains("Invalid value for option '--engine'")
        .contains("athena, trino, duckdb");
  }

  @Test
  void aServiceThatIsNotThereIsNamedByItsUrl() {
    assertThat(
            cli("report", "wikimedia", "--day", "2026-11-20", "--query-url", "http://127.0.0.1:9"))
        .startsWith("1 permafrost: http://127.0.0.1:9/api/v1/reports/wikimedia/top?day=2026-11-20")
        .contains("unreachable");
  }

  @Test
  void everyOperatorCommandAndSubcommandHasHelpWithAnExample() {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    CommandLine root =
        OperatorCli.commandLine(
            new OperatorCli(quiet, quiet, InputStream.nullInputStream(), Map.of()));
    List<CommandLine> commands = new ArrayList<>(root.getSubcommands().values());
    assertThat(commands).hasSize(OperatorCli.COMMANDS.size());
    for (int i = 0; i < commands.size(); i++) {
      CommandLine command = commands.get(i);
      commands.addAll(command.getSubcommands().values());
      assertThat(command.getUsageMessage(CommandLine.Help.Ansi.OFF))
          .as(command.getCommandSpec().qualifiedName())
          .contains("Usage: " + command.getCommandSpec().qualifiedName())
          .containsAnyOf("Example:", "Examples:");
    }
    assertThat(commands).hasSizeGreaterThan(OperatorCli.COMMANDS.size());
  }

  @Test
  void serviceUrlsComeFromTheFlagThenTheEnvironmentThenTheConfigFileThenTheDemoStack(
      @TempDir Path home) throws Exception {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    String userHome = System.getProperty("user.home");
    System.setProperty("user.home", home.toString());
    try {
      Files.createDirectories(home.resolve(".permafrost"));
      Files.writeString(
          home.resolve(".permafrost/cli.properties"),
          "archive-url=http://archive.example:8082/\nquery-url=http://query.example:8083\n");
      OperatorCli cli =
          new OperatorCli(
              quiet,
              quiet,
              InputStream.nullInputStream(),
              Map.of("PERMAFROST_QUERY_URL", "http://query.env:1"));
      assertThat(cli.exporter()).isEqualTo("http://localhost:8081");
      assertThat(cli.archive()).isEqualTo("http://archive.example:8082");
      assertThat(cli.query()).isEqualTo("http://query.env:1");
      cli.queryUrl = "http://query.flag:2";
      assertThat(cli.query()).isEqualTo("http://query.flag:2");
    } finally {
      System.setProperty("user.home", userHome);
    }
  }

  @Test
  void aBadDateIsABadCommandLine() {
    assertThat(cli("verify", "pageviews", "--from", "2026-13-01", "--to", "2026-12-01"))
        .isEqualTo(
            "2 permafrost: Invalid value for option '--from': '2026-13-01' is neither a date like"
                + " 2026-10-01 nor an instant like 2026-10-01T13:00:00Z (see ./permafrost verify"
                + " --help)");
  }

  /** The exit code and the stderr line of an operator command, as "CODE LINE". */
  private static String cli(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        OperatorCli.run(
            args,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            InputStream.nullInputStream());
    String line = err.toString(StandardCharsets.UTF_8);
    assertThat(line.lines()).as("one line on stderr").hasSize(1);
    return exit + " " + line.strip();
  }

  @Test
  void theArchiveBenchmarkReadsRowsPerSecondFromTheServicesPrometheusMetrics() {
    String metrics =
        """
        # TYPE permafrost_archive_rows_total counter
        permafrost_archive_rows_total{operation="prune",} 2000000.0
        permafrost_archive_rows_total{operation="verify",} 3000000.0
        permafrost_archive_operation_seconds_sum{operation="prune",} 8.0
        permafrost_archive_operation_seconds_sum{operation="verify",} 2.0
        """;
    assertThat(ArchiveBenchmark.rowsPerSecond(metrics, "prune")).isEqualTo(250_000.0);
    assertThat(ArchiveBenchmark.rowsPerSecond(metrics, "verify")).isEqualTo(1_500_000.0);
    assertThatThrownBy(() -> ArchiveBenchmark.rowsPerSecond(metrics, "restore"))
        .hasMessageContaining("no permafrost_archive_rows_total for restore");
  }
}
