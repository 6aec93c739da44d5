package dev.permafrost.exporter.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * An export or backfill of a dataset's time range, as its progress stands.
 *
 * @param rowsPerSecond rows exported per second of the job's life so far
 * @param etaSeconds estimated seconds until the job ends, from its pace so far; null when it has
 *     ended or has no finished partition to judge by
 */
public record ExportJob(
    UUID id,
    String dataset,
    Instant from,
    Instant to,
    State state,
    int partitionsTotal,
    int partitionsDone,
    long rows,
    long bytes,
    double rowsPerSecond,
    Long etaSeconds,
    String error,
    Instant createdAt,
    Instant finishedAt) {

  /** Where a job is in its life. */
  public enum State {
    RUNNING,
    SUCCEEDED,
    FAILED
  }

  /** A job with its rate and ETA derived from its counters as of {@code now}. */
  public static ExportJob withPace(
      UUID id,
      String dataset,
      Instant from,
      Instant to,
      State state,
      int partitionsTotal,
      int partitionsDone,
      long rows,
      long bytes,
      String error,
      Instant createdAt,
      Instant finishedAt,
      Instant now) {
    Duration elapsed = Duration.between(createdAt, finishedAt != null ? finishedAt : now);
    double seconds = Math.max(elapsed.toMillis(), 1) / 1000.0;
    Long eta =
        state == State.RUNNING && partitionsDone > 0
            ? Math.round(seconds / partitionsDone * (partitionsTotal - partitionsDone))
            : null;
    return new ExportJob(
        id,
        dataset,
        from,
        to,
        state,
        partitionsTotal,
        partitionsDone,
        rows,
        bytes,
        rows / seconds,
        eta,
        error,
        createdAt,
        finishedAt);
  }
}
