package dev.permafrost.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
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
        .hasMessage("unknown command 'dmeo'; commands: demo, bench, report");
    assertThatThrownBy(() -> Launcher.run(List.of("bench", "import"), out))
        .hasMessage("bench needs a benchmark name; benchmarks: export, archive, query");
    assertThatThrownBy(() -> Launcher.run(List.of("demo", "--days", "three"), out))
        .hasMessage("--days must be a positive whole number, not 'three'");
    assertThatThrownBy(() -> Launcher.run(List.of("demo", "--days", "3"), out))
        .hasMessageContaining("at least 8");
    assertThatThrownBy(() -> Launcher.run(List.of("demo", "--fast"), out))
        .hasMessage("unknown option '--fast' for demo");
    assertThatThrownBy(() -> Launcher.run(List.of("report", "wiki"), out))
        .hasMessage("report needs a report name; reports: wikimedia");
    assertThatThrownBy(() -> Launcher.run(List.of("report", "wikimedia"), out))
        .hasMessageContaining("needs --hour (like 2026-11-20T13) or --day");
    assertThatThrownBy(
            () ->
                Launcher.run(
                    List.of("report", "wikimedia", "--hour", "2026-11-20T13", "--day", "x"), out))
        .hasMessage("give one of --hour or --day, not both");
  }

  @Test
  void aReportFromAServiceThatIsNotThereNamesItsUrl() {
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertThatThrownBy(
            () ->
                Launcher.run(
                    List.of(
                        "report",
                        "wikimedia",
                        "--day",
                        "2026-11-20",
                        "--query-url",
                        "http://127.0.0.1:9"),
                    out))
        .hasMessageContaining("http://127.0.0.1:9/api/v1/reports/wikimedia/top?day=2026-11-20")
        .hasMessageContaining("unreachable");
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
