package dev.permafrost.archive.messaging;

import dev.permafrost.archive.service.RestoreService;
import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.EventType;
import dev.permafrost.contracts.v1.RestoreRequested;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code permafrost.restore-requested}. The request id makes handling idempotent: a replayed
 * event finds its request recorded. A request that cannot run is recorded as FAILED with the
 * reason; a record that is not a valid event goes to the dead-letter topic.
 */
@ApplicationScoped
public class RestoreRequestedConsumer {

  private static final Logger LOG = Logger.getLogger(RestoreRequestedConsumer.class);

  private final RestoreService restores;

  public RestoreRequestedConsumer(RestoreService restores) {
    this.restores = restores;
  }

  @Incoming("restore-requested")
  @Blocking
  public void consume(String record) {
    EventEnvelope<RestoreRequested> event =
        EventCodec.fromJson(record, EventType.RESTORE_REQUESTED);
    LOG.infof(
        "restore-requested %s: restore %s",
        event.eventId(), restores.onRestoreRequested(event.payload()));
  }
}
