package dev.permafrost.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/** A single-node Kafka broker in KRaft mode, running in a child JVM. */
final class KafkaBroker implements AutoCloseable {

  private static final String CLASSPATH = "kafka-broker.classpath";

  private final ChildJvm jvm;
  private final int port;

  private KafkaBroker(ChildJvm jvm, int port) {
    this.jvm = jvm;
    this.port = port;
  }

  static KafkaBroker start(Path workDir, Duration timeout) {
    int port = LoopbackPorts.free();
    int controllerPort = LoopbackPorts.free();
    Path dataDir = workDir.resolve("kafka-data");
    Path config = workDir.resolve("kafka-server.properties");
    Path log = workDir.resolve("kafka.log");
    Path log4j = workDir.resolve("kafka-log4j2.properties");
    writeConfig(config, dataDir, port, controllerPort);
    writeLogConfig(log4j);

    List<String> jvmOptions =
        List.of(
            "-Xmx512m",
            "-Dkafka.logs.dir=" + workDir.resolve("kafka-logs"),
            "-Dlog4j2.configurationFile=" + log4j);
    // Formatting the storage is a separate, short-lived run of the same classpath.
    try (ChildJvm format =
        ChildJvm.start(
            "kafka storage format",
            CLASSPATH,
            jvmOptions,
            "kafka.tools.StorageTool",
            List.of(
                "format",
                "-t",
                Uuid.randomUuid().toString(),
                "-c",
                config.toString(),
                "--standalone"),
            log)) {
      awaitExit(format, timeout);
    }

    ChildJvm broker =
        ChildJvm.start(
            "kafka broker", CLASSPATH, jvmOptions, "kafka.Kafka", List.of(config.toString()), log);
    KafkaBroker started = new KafkaBroker(broker, port);
    try {
      Readiness.await("Kafka broker on port " + port, timeout, broker::assertAlive, started::ready);
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
    return started;
  }

  String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  private boolean ready() {
    if (!LoopbackPorts.accepts(port)) {
      return false;
    }
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000))) {
      return !admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty();
    } catch (Exception e) {
      return false;
    }
  }

  private static void awaitExit(ChildJvm format, Duration timeout) {
    Readiness.await(
        "kafka storage format",
        timeout,
        () -> {},
        () -> {
          try {
            format.assertAlive();
            return false;
          } catch (IllegalStateException exited) {
            if (!exited.getMessage().contains("exited with code 0")) {
              throw exited;
            }
            return true;
          }
        });
  }

  private static void writeConfig(Path config, Path dataDir, int port, int controllerPort) {
    String properties =
        String.join(
            "\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + dataDir,
            "num.partitions=2",
            "auto.create.topics.enable=true",
            // One node: every internal topic with one replica and one offsets partition.
            "offsets.topic.num.partitions=1",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "");
    try {
      Files.writeString(config, properties);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeLogConfig(Path file) {
    try {
      Files.writeString(
          file,
          String.join(
              "\n",
              "appender.out.type=Console",
              "appender.out.name=OUT",
              "appender.out.layout.type=PatternLayout",
              "appender.out.layout.pattern=%d %-5p %c{1} - %m%n",
              "rootLogger.level=INFO",
              "rootLogger.appenderRef.out.ref=OUT",
              "logger.kafka.name=kafka",
              "logger.kafka.level=WARN",
              "logger.apache.name=org.apache.kafka",
              "logger.apache.level=WARN",
              ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    jvm.close();
  }
}
