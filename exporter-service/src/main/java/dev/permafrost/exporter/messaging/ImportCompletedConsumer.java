package dev.permafrost.exporter.messaging;

import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.EventType;
import dev.permafrost.contracts.v1.ImportCompleted;
import dev.permafrost.exporter.service.ExportJobService;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code permafrost.import-completed}: an application loaded rows into a time range, perhaps
 * into partitions that are archived already. Their hot rows become the next chunk of each such
 * partition. Invalid records and unknown datasets go to the dead-letter topic; re-handling an event
 * is harmless, because a partition whose late rows are exported has none left to export.
 */
@ApplicationScoped
public class ImportCompletedConsumer {

  private static final Logger LOG = Logger.getLogger(ImportCompletedConsumer.class);

  private final ExportJobService jobs;

  public ImportCompletedConsumer(ExportJobService jobs) {
    this.jobs = jobs;
  }

  @Incoming("import-completed")
  @Blocking
  public void consume(String record) {
    EventEnvelope<ImportCompleted> event = EventCodec.fromJson(record, EventType.IMPORT_COMPLETED);
    ImportCompleted imported = event.payload();
    jobs.startAfterImport(imported.dataset(), imported.from(), imported.to(), false)
        .ifPresentOrElse(
            job ->
                LOG.infof(
                    "import-completed %s for %s %s..%s: export job %s",
                    event.eventId(), imported.dataset(), imported.from(), imported.to(), job.id()),
            () ->
                LOG.infof(
                    "import-completed %s for %s has no partition older than the hot retention in its range: nothing to do now",
                    event.eventId(), imported.dataset()));
  }
}
