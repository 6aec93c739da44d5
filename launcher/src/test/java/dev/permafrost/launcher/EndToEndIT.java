package dev.permafrost.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.v1.ImportCompleted;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
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
                            "SELECT count(*) FROM archive.chunk WHERE state = 'ACTIVE'")
                        == 4);
        assertThat(count(connection, "date = '" + archivedDay + "'")).isZero();
        assertThat(
                count(
                    connection,
                    "true",
                    "SELECT row_count FROM archive.chunk WHERE sequence = 2 AND partition = '"
                        + archivedDay
                        + "'"))
            .isEqualTo(1);
        JsonNode answer = new RestClient().get(dashboard(stack, today));
        assertThat(answer.path("totals").get(0).path("day").asText())
            .isEqualTo(archivedDay.toString());
        assertThat(answer.path("totals").get(0).path("total").asLong())
            .isEqualTo(
                new ObjectMapper().readTree(summary.answerBefore()).get(0).path("total").asLong()
                    + 777);
      }
    }
    assertThat(childPids()).as("processes left running").isEqualTo(processesBefore);
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
