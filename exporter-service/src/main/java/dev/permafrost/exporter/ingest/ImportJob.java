package dev.permafrost.exporter.ingest;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An import of a range of hours, as its progress stands.
 *
 * @param to exclusive
 * @param hoursDone hours handled so far, whatever their outcome
 * @param error the failed hours' errors, when there are any
 * @param hours what happened to each hour handled so far; null in lists of jobs
 */
public record ImportJob(
    UUID id,
    Instant from,
    Instant to,
    boolean force,
    Trigger trigger,
    State state,
    int hoursTotal,
    int hoursDone,
    int hoursImported,
    int hoursSkipped,
    int hoursNotPublished,
    int hoursFailed,
    long linesRead,
    long linesSkipped,
    long rowsLoaded,
    long bytesDownloaded,
    String error,
    Instant createdAt,
    Instant finishedAt,
    List<HourImporter.HourResult> hours) {

  /** Who started the job. */
  public enum Trigger {
    REQUEST,
    CATCH_UP
  }

  /** Where a job is in its life; a job with a failed hour ends FAILED after its other hours. */
  public enum State {
    RUNNING,
    SUCCEEDED,
    FAILED
  }
}
