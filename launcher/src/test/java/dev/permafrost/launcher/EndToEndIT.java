package dev.permafrost.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The walking skeleton: the real services and components, as ./permafrost demo runs them. */
class EndToEndIT {

  @Test
  void closedDaysTravelToParquetWhileTheDashboardAnswerStaysTheSame() throws Exception {
    Set<Long> processesBefore = childPids();
    Path home = Path.of(System.getProperty("permafrost.home", "..")).toAbsolutePath().normalize();
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    try (PermafrostStack stack =
        PermafrostStack.start(home, Path.of("target", "e2e"), Map.of(), Progress.silent())) {
      DemoSummary summary = new Demo(stack, Progress.silent()).run(new Demo.Options(10, 1_500, 7));

      assertThat(summary.answerBefore()).startsWith("[{").contains("\"total\"");
      assertThat(summary.answerAfter()).isEqualTo(summary.answerBefore());
      assertThat(summary.chunksActive()).isEqualTo(3);
      assertThat(summary.rowsCold()).isPositive();
      assertThat(summary.rowsHot() + summary.rowsCold()).isEqualTo(summary.rowsLoaded());
      assertThat(summary.parquetBytes()).isPositive().isLessThan(summary.postgresBytes());

      try (Connection connection = stack.devStack().connect()) {
        // The archived days have no hot rows left; the hot window is untouched.
        assertThat(count(connection, "date < '" + today.minusDays(7) + "'")).isZero();
        assertThat(count(connection, "date >= '" + today.minusDays(7) + "'"))
            .isEqualTo(summary.rowsHot())
            .isPositive();
        assertThat(
                count(
                    connection,
                    "true",
                    "SELECT count(*) FROM archive.audit_log WHERE action = 'PRUNED'"))
            .isEqualTo(3);
      }
    }
    assertThat(childPids()).as("processes left running").isEqualTo(processesBefore);
  }

  private static long count(Connection connection, String where) throws Exception {
    return count(connection, where, "SELECT count(*) FROM public.pageviews WHERE " + where);
  }

  private static long count(Connection connection, String where, String sql) throws Exception {
    try (ResultSet rs = connection.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Set<Long> childPids() {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .map(ProcessHandle::pid)
        .collect(Collectors.toSet());
  }
}
