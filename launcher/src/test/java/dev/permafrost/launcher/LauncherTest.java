package dev.permafrost.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

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
  void everyOperatorCommandHasHelpWithAnExample() {
    for (String command : OperatorCli.COMMANDS) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int exit =
          OperatorCli.run(
              new String[] {command, "--help"},
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
              InputStream.nullInputStream());
      assertThat(exit).isZero();
      assertThat(out.toString(StandardCharsets.UTF_8))
          .as(command)
          .contains("Usage: permafrost " + command)
          .containsAnyOf("Example:", "Examples:", "Commands:");
    }
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
    return exit + " " + err.toString(StandardCharsets.UTF_8).strip();
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
