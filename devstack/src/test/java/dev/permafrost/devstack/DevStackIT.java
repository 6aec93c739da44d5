package dev.permafrost.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class DevStackIT {

  @Test
  void startsAllThreeComponentsAndStopsEveryProcessItStarted() throws Exception {
    Set<Long> childrenBefore = childPids();
    Path workDir = Path.of("target", "devstack-it");
    try (DevStack stack = DevStack.start(workDir)) {
      try (Connection connection =
              DriverManager.getConnection(
                  stack.jdbcUrl(), stack.databaseUser(), stack.databasePassword());
          ResultSet fsync = connection.createStatement().executeQuery("SHOW fsync")) {
        assertThat(fsync.next()).isTrue();
        assertThat(fsync.getString(1)).isEqualTo("on");
      }
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers()))) {
        admin.createTopics(Set.of(new NewTopic("devstack-check", 1, (short) 1))).all().get();
        assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains("devstack-check");
      }
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(
              Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers()),
              new StringSerializer(),
              new StringSerializer())) {
        // An auto-created topic must take writes: that is how services first publish.
        assertThat(
                producer
                    .send(new ProducerRecord<>("devstack-auto-created", "k", "v"))
                    .get(30, TimeUnit.SECONDS)
                    .topic())
            .isEqualTo("devstack-auto-created");
      }
      assertThat(LoopbackPorts.accepts(Integer.parseInt(stack.s3Endpoint().replaceAll(".*:", ""))))
          .isTrue();
      assertThat(workDir.resolve("kafka.log")).exists();
      assertThat(childPids()).hasSizeGreaterThan(childrenBefore.size());
    }
    assertThat(childPids()).isEqualTo(childrenBefore);
  }

  private static Set<Long> childPids() {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .map(ProcessHandle::pid)
        .collect(java.util.stream.Collectors.toSet());
  }
}
