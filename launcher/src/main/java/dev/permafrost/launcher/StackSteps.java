package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/** Steps on a running stack that the demo and the benchmarks share, with their progress. */
final class StackSteps {

  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(30);

  private final PermafrostStack stack;
  private final Progress progress;
  private final RestClient rest = new RestClient();

  StackSteps(PermafrostStack stack, Progress progress) {
    this.stack = stack;
    this.progress = progress;
  }

  /**
   * Exports [from, to) through the exporter's REST API and waits for the job; returns partitions.
   */
  int export(String dataset, LocalDate from, LocalDate to) {
    progress.step("Exporting " + from + " .. " + to.minusDays(1) + " to Parquet on S3");
    JsonNode job =
        rest.post(
            stack.exporterUrl() + "/api/v1/exports",
            Map.of("dataset", dataset, "from", from.toString(), "to", to.toString()));
    String jobUrl = stack.exporterUrl() + "/api/v1/exports/" + job.path("id").asText();
    JsonNode status =
        poll(
            () -> {
              JsonNode current = rest.get(jobUrl);
              progress.update(
                  String.format(
                      "%d/%d partitions, %,d rows",
                      current.path("partitionsDone").asInt(),
                      current.path("partitionsTotal").asInt(),
                      current.path("rows").asLong()));
              return "RUNNING".equals(current.path("state").asText()) ? null : current;
            },
            "export job " + jobUrl);
    if (!"SUCCEEDED".equals(status.path("state").asText())) {
      throw new IllegalStateException("export job failed: " + status.path("error").asText());
    }
    progress.done(
        String.format(
            "%d partitions, %,d rows, %,d bytes",
            status.path("partitionsTotal").asInt(),
            status.path("rows").asLong(),
            status.path("bytes").asLong()));
    return status.path("partitionsTotal").asInt();
  }

  /** Waits until the archive-service made every exported chunk of the dataset ACTIVE. */
  List<JsonNode> awaitActive(String dataset, int expectedChunks) {
    progress.step("Verifying chunks and pruning hot rows");
    String chunksUrl = stack.archiveUrl() + "/api/v1/datasets/" + dataset + "/chunks";
    List<JsonNode> active =
        poll(
            () -> {
              List<JsonNode> chunks = list(rest.get(chunksUrl));
              chunks.stream()
                  .filter(c -> "CORRUPT".equals(c.path("state").asText()))
                  .findFirst()
                  .ifPresent(
                      c -> {
                        throw new IllegalStateException(
                            "chunk "
                                + c.path("chunkId").asText()
                                + " is CORRUPT: "
                                + c.path("lastError").asText());
                      });
              List<JsonNode> done =
                  chunks.stream().filter(c -> "ACTIVE".equals(c.path("state").asText())).toList();
              progress.update(String.format("%d/%d chunks ACTIVE", done.size(), expectedChunks));
              return done.size() >= expectedChunks ? done : null;
            },
            "chunks of " + dataset + " to become ACTIVE");
    progress.done(String.format("%d chunks ACTIVE", active.size()));
    return active;
  }

  private static List<JsonNode> list(JsonNode array) {
    List<JsonNode> items = new java.util.ArrayList<>();
    array.forEach(items::add);
    return items;
  }

  static <T> T poll(java.util.function.Supplier<T> attempt, String what) {
    return poll(attempt, what, STEP_TIMEOUT);
  }

  /** Asks {@code attempt} every 250 ms until it answers, for at most {@code timeout}. */
  static <T> T poll(java.util.function.Supplier<T> attempt, String what, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      T result = attempt.get();
      if (result != null) {
        return result;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
    throw new IllegalStateException("gave up waiting for " + what + " after " + timeout);
  }
}
