package dev.permafrost.archive.messaging;

import dev.permafrost.archive.service.ArchiveLifecycle;
import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.EventType;
import dev.permafrost.contracts.v1.PartitionReady;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code permafrost.partition-ready}. Until the chunk is registered in the catalog every
 * failure fails the record, which then goes to the dead-letter topic rather than being lost: a
 * record that is not a valid event, a dataset this service does not know, or a database that cannot
 * be reached. A failure after registration is left to the reconciler, which retries the chunk from
 * the catalog.
 */
@ApplicationScoped
public class PartitionReadyConsumer {

  private static final Logger LOG = Logger.getLogger(PartitionReadyConsumer.class);

  private final ArchiveLifecycle lifecycle;

  public PartitionReadyConsumer(ArchiveLifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  @Incoming("partition-ready")
  @Blocking
  public void consume(String record) {
    EventEnvelope<PartitionReady> event = EventCodec.fromJson(record, EventType.PARTITION_READY);
    if (!lifecycle.register(event)) {
      return;
    }
    try {
      lifecycle.drive(event.payload().chunkId(), Optional.of(event.eventId()));
    } catch (RuntimeException e) {
      LOG.errorf(
          e,
          "partition-ready %s for chunk %s failed; the reconciler will retry",
          event.eventId(),
          event.payload().chunkId());
    }
  }
}
