package dev.permafrost.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.v1.ImportCompleted;
import dev.permafrost.devstack.DumpServer;
import dev.permafrost.devstack.WikimediaDumps;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The walking skeleton: the real services and components, as ./permafrost demo runs them. */
class EndToEndIT {

  @Test
  void closedDaysTravelToParquetWhileTheDashboardAnswerStaysTheSame() throws Exception {
    Set<Long> processesBefore = childPids();
    Path home = Path.of(System.getProperty("permafrost.home", "..")).toAbsolutePath().normalize();
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    Path workDir = Path.of("target", "e2e");
    try (DumpServer dumps = DumpServer.start();
        PermafrostStack stack =
            PermafrostStack.start(
                home,
                workDir,
                Map.of(PermafrostStack.EXPORTER, WikimediaDemo.exporterConfig(dumps, workDir)),
                Progress.silent())) {
      DemoSummary summary =
          new Demo(stack, dumps, Progress.silent()).run(new Demo.Options(10, 1_500, 7));

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
                    "SELECT count(*) FROM archive.audit_log WHERE action = 'PRUNED'"
                        + " AND dataset = 'pageviews'"))
            .isEqualTo(3);

        // Late data: a row imported into an archived day becomes that day's second chunk.
        LocalDate archivedDay = today.minusDays(10);
        connection
            .createStatement()
            .execute(
                "INSERT INTO public.pageviews VALUES (900000001, 1, 'late', '/late', 777, '"
                    + archivedDay
                    + "')");
        announceImport(stack, archivedDay);
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    count(
                            connection,
                            "true",
                            "SELECT count(*) FROM archive.chunk WHERE state = 'ACTIVE'"
                                + " AND dataset = 'pageviews'")
                        == 4);
        assertThat(count(connection, "date = '" + archivedDay + "'")).isZero();
        assertThat(
                count(
                    connection,
                    "true",
                    "SELECT row_count FROM archive.chunk WHERE sequence = 2 AND partition = '"
                        + archivedDay
                        + "' AND dataset = 'pageviews'"))
            .isEqualTo(1);
        JsonNode answer = new RestClient().get(dashboard(stack, today));
        assertThat(answer.path("totals").get(0).path("day").asText())
            .isEqualTo(archivedDay.toString());
        assertThat(answer.path("totals").get(0).path("total").asLong())
            .isEqualTo(
                new ObjectMapper().readTree(summary.answerBefore()).get(0).path("total").asLong()
                    + 777);

        wikimediaHoursGoColdAndAreReplacedAfterARestore(stack, dumps, summary, connection);
      }
    }
    assertThat(childPids()).as("processes left running").isEqualTo(processesBefore);
  }

  /**
   * The demo's archived Wikimedia hour reports what its dump says. A forced import of it is refused
   * while it is archived; once restored, a forced import with a republished dump replaces its rows,
   * which become the hour's next chunk, and the report follows the new dump.
   */
  private static void wikimediaHoursGoColdAndAreReplacedAfterARestore(
      PermafrostStack stack, DumpServer dumps, DemoSummary summary, Connection connection)
      throws Exception {
    WikimediaDemo.Result result = summary.wikimedia();
    Instant hour = result.archivedHour();
    WikimediaDemo wikimedia = new WikimediaDemo(stack, dumps, Progress.silent());
    RestClient rest = new RestClient();
    assertThat(result.coldChunks()).isEqualTo(1);
    assertThat(result.topPages()).hasSize(5);
    assertThat(reportLines(rest.get(wikimedia.reportUrl(hour))))
        .isEqualTo(
            WikimediaDumps.topPages(
                WikimediaDumps.lines(hour, WikimediaDemo.PAGES_PER_DOMAIN), Set.of()));
    assertThat(wikiRows(connection, hour)).isZero();

    // The same report through ./permafrost report, to a file and to the object store.
    Path file = Path.of("target", "wikimedia-report.txt");
    String label = hour.toString().substring(0, 13);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    List<String> command = List.of("report", "wikimedia", "--hour", label);
    List<String> service = List.of("--query-url", stack.queryUrl());
    assertThat(Launcher.run(concat(command, List.of("--output", file.toString()), service), out))
        .isZero();
    List<String> lines = Files.readAllLines(file);
    assertThat(lines.get(0)).startsWith("# permafrost wikimedia top 25 pages per domain, hour");
    assertThat(lines.subList(3, lines.size()))
        .isEqualTo(
            WikimediaDumps.topPages(
                WikimediaDumps.lines(hour, WikimediaDemo.PAGES_PER_DOMAIN), Set.of()));
    assertThat(Launcher.run(concat(command, List.of("--output", "store"), service), out)).isZero();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("s3://permafrost/reports/wikimedia/top/hour=" + label + "/");

    Instant end = hour.plus(Duration.ofHours(1));
    assertThatThrownBy(() -> wikimedia.importHours(hour, end, true))
        .hasMessageContaining("restore the hour first");

    String republished = WikimediaDumps.lines(hour, 40);
    dumps.publish(WikimediaDumps.relativePath(hour), WikimediaDumps.gzip(republished));
    JsonNode restore =
        rest.post(
            stack.archiveUrl() + "/api/v1/restores",
            Map.of(
                "dataset", "wiki_pageviews",
                "from", hour.toString(),
                "to", end.toString(),
                "reason", "the dump was republished",
                "requestedBy", "EndToEndIT"));
    String restoreUrl =
        stack.archiveUrl() + "/api/v1/restores/" + restore.path("requestId").asText();
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "DONE".equals(rest.get(restoreUrl).path("state").asText()));

    JsonNode replaced = wikimedia.importHours(hour, end, true);
    assertThat(replaced.path("hours").get(0).path("detail").asText()).contains("replacing");
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                count(
                        connection,
                        "true",
                        "SELECT count(*) FROM archive.chunk WHERE dataset = 'wiki_pageviews'"
                            + " AND sequence = 2 AND state = 'ACTIVE'")
                    == 1);
    assertThat(wikiRows(connection, hour)).isZero();
    JsonNode report = rest.get(wikimedia.reportUrl(hour));
    assertThat(report.path("coldChunks").asInt()).isEqualTo(1);
    assertThat(reportLines(report)).isEqualTo(WikimediaDumps.topPages(republished, Set.of()));
  }

  @SafeVarargs
  private static List<String> concat(List<String>... parts) {
    return java.util.Arrays.stream(parts).flatMap(List::stream).toList();
  }

  private static long wikiRows(Connection connection, Instant hour) throws Exception {
    return count(
        connection,
        "true",
        "SELECT count(*) FROM public.wiki_pageviews WHERE hour = '" + hour + "'");
  }

  private static List<String> reportLines(JsonNode report) {
    List<String> lines = new ArrayList<>();
    for (JsonNode e : report.path("entries")) {
      lines.add(
          e.path("domain").asText()
              + " "
              + e.path("rank").asInt()
              + " "
              + e.path("title").asText()
              + " "
              + e.path("views").asLong());
    }
    return lines;
  }

  private static String dashboard(PermafrostStack stack, LocalDate today) {
    return stack.queryUrl()
        + "/api/v1/datasets/pageviews/daily-totals?project=1&from="
        + today.minusDays(10)
        + "&to="
        + today.minusDays(1);
  }

  /** What an application publishes after it imported rows into {@code day}. */
  private static void announceImport(PermafrostStack stack, LocalDate day) throws Exception {
    Instant start = day.atStartOfDay().toInstant(ZoneOffset.UTC);
    EventEnvelope<ImportCompleted> event =
        EventEnvelope.of(
            "pageviews/" + day,
            Instant.now(),
            new ImportCompleted("pageviews", start, start.plus(Duration.ofDays(1)), null));
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.devStack().kafkaBootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      producer
          .send(new ProducerRecord<>(event.topic(), event.key(), EventCodec.toJson(event)))
          .get(30, TimeUnit.SECONDS);
    }
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
