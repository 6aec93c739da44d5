package dev.permafrost.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Real PostgreSQL, a KRaft Kafka broker and an S3-compatible server on free loopback ports.
 *
 * <p>{@link #close()} stops exactly what {@link #start} started, in reverse order; a shutdown hook
 * does the same when the JVM is interrupted first.
 */
public final class DevStack implements AutoCloseable {

  /** The bucket created before the S3 server accepts requests. */
  public static final String BUCKET = "permafrost";

  private static final Logger LOG = LoggerFactory.getLogger(DevStack.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Path workDir;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::stopAll, "devstack-shutdown");
  private PostgresServer postgres;
  private KafkaBroker kafka;
  private S3Server s3;

  private DevStack(Path workDir) {
    this.workDir = workDir;
  }

  /**
   * Starts all three components, their data and logs under {@code workDir}.
   *
   * @throws IllegalStateException naming the component and its log file if one does not start
   */
  public static DevStack start(Path workDir) {
    return start(workDir, true);
  }

  /**
   * Like {@link #start(Path)}.
   *
   * @param shutdownHook false if the caller stops the stack from a shutdown hook of its own, after
   *     what runs on top of it: hooks run concurrently, so two hooks cannot keep an order
   */
  public static DevStack start(Path workDir, boolean shutdownHook) {
    DevStack stack = new DevStack(workDir.toAbsolutePath());
    if (shutdownHook) {
      Runtime.getRuntime().addShutdownHook(stack.shutdownHook);
    }
    try {
      Files.createDirectories(stack.workDir);
      // Every start is a fresh stack: data of an earlier run would not match the new cluster.
      for (String leftover :
          List.of("kafka-data", "kafka-logs", "kafka.log", "s3-data", "s3proxy.log", "pg-data")) {
        deleteRecursively(stack.workDir.resolve(leftover));
      }
      long begin = System.nanoTime();
      stack.postgres = stack.track(PostgresServer.start(stack.workDir, START_TIMEOUT));
      stack.s3 = stack.track(S3Server.start(stack.workDir, BUCKET, START_TIMEOUT));
      stack.kafka = stack.track(KafkaBroker.start(stack.workDir, START_TIMEOUT));
      LOG.info(
          "devstack ready in {} ms: {} {} {} (logs in {})",
          (System.nanoTime() - begin) / 1_000_000,
          stack.jdbcUrl(),
          stack.kafkaBootstrapServers(),
          stack.s3Endpoint(),
          stack.workDir);
      return stack;
    } catch (IOException e) {
      stack.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  /** Deletes {@code dir} and everything in it, if it exists. */
  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private <T extends AutoCloseable> T track(T component) {
    started.push(component);
    return component;
  }

  public Path workDir() {
    return workDir;
  }

  public String jdbcUrl() {
    return postgres.jdbcUrl();
  }

  public String databaseUser() {
    return PostgresServer.USER;
  }

  public String databasePassword() {
    return PostgresServer.PASSWORD;
  }

  public String kafkaBootstrapServers() {
    return kafka.bootstrapServers();
  }

  public String s3Endpoint() {
    return s3.endpoint();
  }

  public String s3AccessKey() {
    return S3Server.ACCESS_KEY;
  }

  public String s3SecretKey() {
    return S3Server.SECRET_KEY;
  }

  /** A new connection to the stack's PostgreSQL database, for tests and the demo. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), databaseUser(), databasePassword());
  }

  /** Runs one statement on a connection of its own. */
  public void execute(String sql) throws SQLException {
    try (Connection connection = connect();
        java.sql.Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  /** The first column of the first row of {@code sql}, e.g. a count, on a connection of its own. */
  public long queryLong(String sql) throws SQLException {
    try (Connection connection = connect();
        java.sql.Statement statement = connection.createStatement();
        java.sql.ResultSet rs = statement.executeQuery(sql)) {
      if (!rs.next()) {
        throw new SQLException("no row from: " + sql);
      }
      return rs.getLong(1);
    }
  }

  /** Publishes one record and waits until the broker has it. */
  public void publish(String topic, String key, String value) throws Exception {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  /** The values of the topic's records, read from the start for about three seconds. */
  public List<String> records(String topic) {
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "devstack-reader-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      List<String> values = new java.util.ArrayList<>();
      for (int poll = 0; poll < 6; poll++) {
        for (ConsumerRecord<String, String> record :
            consumer.poll(java.time.Duration.ofMillis(500))) {
          values.add(record.value());
        }
      }
      return values;
    }
  }

  /** A new S3 client for the stack's S3-compatible server, as the services configure theirs. */
  public S3Client s3Client() {
    return S3Client.builder()
        .endpointOverride(URI.create(s3Endpoint()))
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(s3AccessKey(), s3SecretKey())))
        .forcePathStyle(true)
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        // S3Proxy refuses the SDK's default request checksums.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .build();
  }

  /** The configuration keys a Permafrost service needs to reach this stack. */
  public Map<String, String> serviceConfig() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("quarkus.datasource.jdbc.url", jdbcUrl());
    config.put("quarkus.datasource.username", databaseUser());
    config.put("quarkus.datasource.password", databasePassword());
    config.put("kafka.bootstrap.servers", kafkaBootstrapServers());
    config.put("quarkus.s3.endpoint-override", s3Endpoint());
    config.put("quarkus.s3.aws.credentials.static-provider.access-key-id", s3AccessKey());
    config.put("quarkus.s3.aws.credentials.static-provider.secret-access-key", s3SecretKey());
    config.put("permafrost.object-store.bucket", BUCKET);
    return config;
  }

  @Override
  public void close() {
    stopAll();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook is running or has run; nothing left to unregister.
    } catch (IllegalArgumentException neverRegistered) {
      // Started without a hook of its own.
    }
  }

  private void stopAll() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    while (!started.isEmpty()) {
      AutoCloseable component = started.pop();
      try {
        component.close();
      } catch (Exception e) {
        LOG.warn("could not stop {}: {}", component.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
