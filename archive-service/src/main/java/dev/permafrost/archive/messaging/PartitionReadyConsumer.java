package dev.permafrost.archive.messaging;

import dev.permafrost.archive.service.ArchiveLifecycle;
import dev.permafrost.contracts.EventCodec;
import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.EventType;
import dev.permafrost.contracts.v1.PartitionReady;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code permafrost.partition-ready}. A record that is not a valid event, or names a dataset
 * this service does not know, fails and goes to the dead-letter topic; a failure after the chunk
 * was registered is left to the reconciler, which retries it from the catalog.
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
    try {
      lifecycle.onPartitionReady(event);
    } catch (dev.permafrost.support.rest.ProblemException e) {
      throw e; // unknown dataset: permanent, dead-letter it
    } catch (RuntimeException e) {
      LOG.errorf(
          e,
          "partition-ready %s for chunk %s failed; the reconciler will retry",
          event.eventId(),
          event.payload().chunkId());
    }
  }
}
