package dev.permafrost.exporter.ingest;

import dev.permafrost.exporter.config.ExporterConfig;
import dev.permafrost.support.rest.ProblemException;
import dev.permafrost.support.rest.TimeRange;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Starts imports of ranges of hours and runs them one hour at a time on a single worker, so that
 * two jobs never download or load the same file at once in this process. Across processes, the
 * hour's lock in PostgreSQL keeps loads apart; each process needs a download cache of its own.
 */
@ApplicationScoped
public class WikimediaImports {

  /** A year of hours: more in one job is almost certainly a typo in the range. */
  static final int MAX_HOURS_PER_JOB = 366 * 24;

  private static final Logger LOG = Logger.getLogger(WikimediaImports.class);

  private final HourImporter importer;
  private final ImportJobStore jobs;
  private final int catchUpHours;
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "wikimedia-import"));
  private final AtomicBoolean catchUpQueued = new AtomicBoolean();
  private final Clock clock = Clock.systemUTC();

  public WikimediaImports(HourImporter importer, ImportJobStore jobs, ExporterConfig config) {
    this.importer = importer;
    this.jobs = jobs;
    this.catchUpHours = config.wikimedia().catchUpHours();
  }

  /**
   * Validates a request and starts importing every hour of [from, to).
   *
   * @param from a date ({@code 2026-11-20}, its midnight) or a whole hour ({@code
   *     2026-11-20T13:00:00Z})
   * @throws ProblemException 400 naming what is wrong and what is allowed; nothing is started
   */
  public ImportJob start(String from, String to, boolean force) {
    TimeRange range = TimeRange.parse(from, to);
    requireWholeHour("from", from, range.from());
    requireWholeHour("to", to, range.to());
    Instant currentHour = clock.instant().truncatedTo(ChronoUnit.HOURS);
    if (range.to().isAfter(currentHour)) {
      throw ProblemException.badRequest(
          "to ("
              + to
              + ") reaches into the current hour or later; dumps exist only for hours that"
              + " ended, so to must be at most "
              + currentHour);
    }
    long hours = Duration.between(range.from(), range.to()).toHours();
    if (hours > MAX_HOURS_PER_JOB) {
      throw ProblemException.badRequest(
          "the range covers "
              + hours
              + " hours; at most "
              + MAX_HOURS_PER_JOB
              + " (a year) are allowed in one job");
    }
    return submit(hoursOf(range.from(), range.to()), force, ImportJob.Trigger.REQUEST);
  }

  /**
   * Imports those of the last {@code catch-up-hours} ended hours that are not imported yet; an hour
   * not published yet is simply tried again on the next run.
   *
   * @return the job, or empty when every such hour is imported or a catch-up is still queued
   */
  public Optional<ImportJob> catchUp() {
    Instant end = clock.instant().truncatedTo(ChronoUnit.HOURS);
    Instant start = end.minus(Duration.ofHours(catchUpHours));
    List<Instant> missing =
        hoursOf(start, end).stream().filter(hour -> !importer.isImported(hour)).toList();
    if (missing.isEmpty() || !catchUpQueued.compareAndSet(false, true)) {
      return Optional.empty();
    }
    try {
      return Optional.of(submit(missing, false, ImportJob.Trigger.CATCH_UP));
    } catch (RuntimeException e) {
      catchUpQueued.set(false);
      throw e;
    }
  }

  private ImportJob submit(List<Instant> hours, boolean force, ImportJob.Trigger trigger) {
    Instant end = hours.get(hours.size() - 1).plus(Duration.ofHours(1));
    ImportJob job = jobs.create(hours.get(0), end, force, trigger, hours.size());
    worker.submit(() -> run(job, hours));
    return job;
  }

  private void run(ImportJob job, List<Instant> hours) {
    List<String> failures = new ArrayList<>();
    try {
      for (Instant hour : hours) {
        HourImporter.HourResult result;
        try {
          result = importer.importHour(hour, job.force());
        } catch (RuntimeException e) {
          // A database error fails this hour (its transaction rolled back), not the hours after.
          LOG.errorf(e, "wikimedia import of hour %s failed", hour);
          result =
              HourImporter.HourResult.of(
                  hour, HourImporter.Outcome.FAILED, 0, "hour " + hour + ": " + e.getMessage());
        }
        jobs.hourDone(job.id(), result);
        if (result.outcome() == HourImporter.Outcome.FAILED) {
          failures.add(result.detail());
        }
      }
      // Before the job shows as ended, so that whoever saw it end may start the next catch-up.
      releaseCatchUp(job);
      jobs.finished(
          job.id(),
          failures.isEmpty() ? ImportJob.State.SUCCEEDED : ImportJob.State.FAILED,
          failures.isEmpty() ? null : failures.size() + " hour(s) failed: " + failures);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      jobs.finished(job.id(), ImportJob.State.FAILED, "stopped with the exporter-service");
    } catch (RuntimeException e) {
      LOG.errorf(e, "wikimedia import job %s failed", job.id());
      jobs.finished(job.id(), ImportJob.State.FAILED, e.getClass().getSimpleName() + ": " + e);
    } finally {
      releaseCatchUp(job);
    }
  }

  private void releaseCatchUp(ImportJob job) {
    if (job.trigger() == ImportJob.Trigger.CATCH_UP) {
      catchUpQueued.set(false);
    }
  }

  private static List<Instant> hoursOf(Instant from, Instant to) {
    List<Instant> hours = new ArrayList<>();
    for (Instant hour = from; hour.isBefore(to); hour = hour.plus(Duration.ofHours(1))) {
      hours.add(hour);
    }
    return hours;
  }

  private static void requireWholeHour(String field, String given, Instant value) {
    if (!value.truncatedTo(ChronoUnit.HOURS).equals(value)) {
      throw ProblemException.badRequest(
          field + " (" + given + ") must be a whole hour, like 2026-11-20T13:00:00Z, or a date");
    }
  }

  @PreDestroy
  void stop() {
    worker.shutdownNow();
  }
}
