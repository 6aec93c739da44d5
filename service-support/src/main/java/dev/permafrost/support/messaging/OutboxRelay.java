package dev.permafrost.support.messaging;

import dev.permafrost.support.config.PermafrostConfig;
import dev.permafrost.support.jdbc.Transactions;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Publishes committed outbox events to Kafka, oldest first, at least once: an event is marked
 * published only after the broker acknowledged it, so a crash in between publishes it again and
 * consumers deduplicate by event id.
 */
@ApplicationScoped
public class OutboxRelay {

  private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
  private static final long SEND_TIMEOUT_SECONDS = 25;

  private final DataSource dataSource;
  private final String table;
  private final int batchSize;
  private final KafkaProducer<String, String> producer;

  public OutboxRelay(
      DataSource dataSource,
      Outbox outbox,
      PermafrostConfig config,
      @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
    this.dataSource = dataSource;
    this.table = outbox.table();
    this.batchSize = config.outbox().batchSize();
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.CLIENT_ID_CONFIG,
                "outbox-" + config.schema(),
                // Fail a send within seconds when Kafka is away: the batch's row locks are held
                // until then, and the next poll retries.
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                10_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                20_000),
            new StringSerializer(),
            new StringSerializer());
  }

  @Scheduled(
      every = "${permafrost.outbox.poll-interval:1s}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void relayOnSchedule() {
    try {
      while (relayBatch() == batchSize) {
        // a full batch: more may be waiting
      }
    } catch (RuntimeException e) {
      LOG.warnf("outbox relay of %s failed, will retry: %s", table, e.getMessage());
    }
  }

  /**
   * Publishes one batch of unpublished events and marks them published.
   *
   * @return how many events were published
   */
  public int relayBatch() {
    return Transactions.inTransaction(
        dataSource,
        connection -> {
          List<Long> ids = new ArrayList<>();
          // SKIP LOCKED lets several replicas relay side by side without sending an event twice
          // at once.
          try (PreparedStatement select =
              connection.prepareStatement(
                  "SELECT id, topic, event_key, payload FROM "
                      + table
                      + " WHERE published_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED")) {
            select.setInt(1, batchSize);
            try (ResultSet rs = select.executeQuery()) {
              while (rs.next()) {
                send(new ProducerRecord<>(rs.getString(2), rs.getString(3), rs.getString(4)));
                ids.add(rs.getLong(1));
              }
            }
          }
          if (!ids.isEmpty()) {
            try (PreparedStatement mark =
                connection.prepareStatement(
                    "UPDATE " + table + " SET published_at = now() WHERE id = ANY (?)")) {
              Array idArray = connection.createArrayOf("bigint", ids.toArray());
              mark.setArray(1, idArray);
              mark.executeUpdate();
            }
          }
          return ids.size();
        });
  }

  private void send(ProducerRecord<String, String> record)
      throws InterruptedException, ExecutionException, TimeoutException {
    producer.send(record).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  @PreDestroy
  void close() {
    producer.close(java.time.Duration.ofSeconds(5));
  }
}
