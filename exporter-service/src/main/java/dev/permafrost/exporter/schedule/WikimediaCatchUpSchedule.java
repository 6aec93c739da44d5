package dev.permafrost.exporter.schedule;

import dev.permafrost.exporter.ingest.WikimediaImports;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Imports, on a schedule (off by default), the recent hours whose dumps are not imported yet, so
 * that an importer that was stopped catches up on its own and hours published late are picked up.
 */
@ApplicationScoped
public class WikimediaCatchUpSchedule {

  private static final Logger LOG = Logger.getLogger(WikimediaCatchUpSchedule.class);

  private final WikimediaImports imports;

  public WikimediaCatchUpSchedule(WikimediaImports imports) {
    this.imports = imports;
  }

  @Scheduled(
      cron = "{permafrost.exporter.wikimedia.catch-up-schedule}",
      timeZone = "UTC",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void catchUp() {
    try {
      imports
          .catchUp()
          .ifPresent(
              job ->
                  LOG.infof(
                      "wikimedia catch-up: job %s imports %d hour(s)", job.id(), job.hoursTotal()));
    } catch (RuntimeException e) {
      LOG.errorf(e, "wikimedia catch-up could not start");
    }
  }
}
