package dev.permafrost.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.permafrost.devstack.DemoData;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Kills the archive-service process for real between "objects verified" and "prune committed",
 * starts it again, and checks that no row was lost or counted twice.
 */
class ArchiveCrashIT {

  private static final LocalDate DAY = LocalDate.now(ZoneOffset.UTC).minusDays(10);

  @Test
  void anArchiveServiceKilledBeforeThePruneCommitsLosesNoRowAndCountsNoneTwice() throws Exception {
    Path home = Path.of(System.getProperty("permafrost.home", "..")).toAbsolutePath().normalize();
    Map<String, String> dieBeforePruneCommit =
        Map.of(
            "permafrost.archive.failpoints-enabled", "true",
            "permafrost.archive.failpoints-halt", "prune.before-commit",
            // The dead consumer leaves the group after its session times out; keep that short.
            "mp.messaging.incoming.partition-ready.session.timeout.ms", "6000",
            "mp.messaging.incoming.partition-ready.heartbeat.interval.ms", "2000");
    try (PermafrostStack stack =
        PermafrostStack.start(
            home,
            Path.of("target", "archive-crash"),
            Map.of(PermafrostStack.ARCHIVE, dieBeforePruneCommit),
            Progress.silent())) {
      long loaded;
      try (Connection connection = stack.devStack().connect()) {
        DemoData.createPageviewsTable(connection);
        loaded = DemoData.loadPageviews(connection, DAY.minusDays(1), 3, 2_000, 1, 99);
      }
      long dayRows =
          count(stack, "SELECT count(*) FROM public.pageviews WHERE date = '" + DAY + "'");
      RestClient rest = new RestClient();
      String dashboard =
          stack.queryUrl()
              + "/api/v1/datasets/pageviews/daily-totals?project=1&from="
              + DAY.minusDays(1)
              + "&to="
              + DAY.plusDays(1);
      String answerBefore = rest.get(dashboard).path("totals").toString();

      rest.post(
          stack.exporterUrl() + "/api/v1/exports",
          Map.of("dataset", "pageviews", "from", DAY.toString(), "to", DAY.plusDays(1).toString()));

      // The process halts with the delete done but not committed.
      assertThat(stack.service(PermafrostStack.ARCHIVE).awaitExit(Duration.ofSeconds(120)))
          .hasValue(137);
      assertThat(chunkState(stack)).isEqualTo("VERIFIED");
      assertThat(count(stack, "SELECT count(*) FROM public.pageviews WHERE date = '" + DAY + "'"))
          .isEqualTo(dayRows);
      assertThat(count(stack, "SELECT count(*) FROM archive.audit_log WHERE action = 'PRUNED'"))
          .isZero();

      // Started again, it gets the uncommitted event once more and finishes the prune.
      stack.restart(PermafrostStack.ARCHIVE, Map.of());
      Awaitility.await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> "ACTIVE".equals(chunkState(stack)));

      assertThat(count(stack, "SELECT count(*) FROM public.pageviews WHERE date = '" + DAY + "'"))
          .isZero();
      assertThat(count(stack, "SELECT row_count FROM archive.chunk WHERE state = 'ACTIVE'"))
          .isEqualTo(dayRows);
      assertThat(count(stack, "SELECT count(*) FROM public.pageviews") + dayRows).isEqualTo(loaded);
      assertThat(count(stack, "SELECT count(*) FROM archive.audit_log WHERE action = 'PRUNED'"))
          .isEqualTo(1);
      assertThat(rest.get(dashboard).path("totals").toString()).isEqualTo(answerBefore);
    }
  }

  private static String chunkState(PermafrostStack stack) throws Exception {
    try (Connection connection = stack.devStack().connect();
        ResultSet rs =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT state FROM archive.chunk WHERE dataset = 'pageviews' AND partition = '"
                        + DAY
                        + "'")) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private static long count(PermafrostStack stack, String sql) throws Exception {
    return stack.devStack().queryLong(sql);
  }
}
