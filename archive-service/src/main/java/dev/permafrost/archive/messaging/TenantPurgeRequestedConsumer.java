package dev.permafrost.archive.messaging;

import dev.permafrost.archive.service.TenantPurge;
import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.EventType;
import dev.permafrost.contracts.v1.TenantPurgeRequested;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code permafrost.tenant-purge-requested}. The erasure id makes handling idempotent: a
 * replayed event returns the finished erasure, or finishes an interrupted one. A record that is not
 * a valid event, or names a dataset without tenants, goes to the dead-letter topic.
 */
@ApplicationScoped
public class TenantPurgeRequestedConsumer {

  private static final Logger LOG = Logger.getLogger(TenantPurgeRequestedConsumer.class);

  private final TenantPurge purge;

  public TenantPurgeRequestedConsumer(TenantPurge purge) {
    this.purge = purge;
  }

  @Incoming("tenant-purge-requested")
  @Blocking
  public void consume(String record) {
    EventEnvelope<TenantPurgeRequested> event =
        EventCodec.fromJson(record, EventType.TENANT_PURGE_REQUESTED);
    LOG.infof(
        "tenant-purge-requested %s: erasure %s", event.eventId(), purge.purge(event.payload()));
  }
}
