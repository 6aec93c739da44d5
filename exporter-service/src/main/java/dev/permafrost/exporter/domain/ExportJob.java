package dev.permafrost.exporter.domain;

import java.time.Instant;
import java.util.UUID;

/** An export or backfill of a dataset's time range, as its progress stands. */
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
    String error,
    Instant createdAt,
    Instant finishedAt) {

  /** Where a job is in its life. */
  public enum State {
    RUNNING,
    SUCCEEDED,
    FAILED
  }
}
