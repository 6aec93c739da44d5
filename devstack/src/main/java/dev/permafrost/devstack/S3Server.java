package dev.permafrost.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** S3Proxy with a filesystem backend, running in a child JVM. */
final class S3Server implements AutoCloseable {

  static final String ACCESS_KEY = "permafrost";
  static final String SECRET_KEY = "permafrost-secret";

  private final ChildJvm jvm;
  private final int port;

  private S3Server(ChildJvm jvm, int port) {
    this.jvm = jvm;
    this.port = port;
  }

  /** Starts the server with {@code bucket} already present. */
  static S3Server start(Path workDir, String bucket, Duration timeout) {
    int port = LoopbackPorts.free();
    Path storage = workDir.resolve("s3-data");
    Path config = workDir.resolve("s3proxy.properties");
    Path logback = workDir.resolve("s3proxy-logback.xml");
    try {
      // The filesystem backend maps each directory under its base directory to a bucket.
      Files.createDirectories(storage.resolve(bucket));
      Files.writeString(
          config,
          String.join(
              "\n",
              "s3proxy.endpoint=http://127.0.0.1:" + port,
              "s3proxy.authorization=aws-v2-or-v4",
              "s3proxy.identity=" + ACCESS_KEY,
              "s3proxy.credential=" + SECRET_KEY,
              "jclouds.provider=filesystem-nio2",
              "jclouds.identity=" + ACCESS_KEY,
              "jclouds.credential=" + SECRET_KEY,
              "jclouds.filesystem.basedir=" + storage,
              ""));
      // S3Proxy ships no logging configuration and would log every request at DEBUG.
      Files.writeString(
          logback,
          """
          <configuration>
            <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
              <encoder><pattern>%d %-5level %logger{20} - %msg%n</pattern></encoder>
            </appender>
            <root level="WARN"><appender-ref ref="OUT"/></root>
          </configuration>
          """);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChildJvm jvm =
        ChildJvm.start(
            "s3proxy",
            "s3-server.classpath",
            List.of("-Xmx256m", "-Dlogback.configurationFile=" + logback),
            "org.gaul.s3proxy.Main",
            List.of("--properties", config.toString()),
            workDir.resolve("s3proxy.log"));
    S3Server server = new S3Server(jvm, port);
    try {
      Readiness.await("S3Proxy on port " + port, timeout, jvm::assertAlive, server::answersHttp);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  private boolean answersHttp() {
    if (!LoopbackPorts.accepts(port)) {
      return false;
    }
    try {
      // Any HTTP answer (403 for an unsigned request) means the server handles requests.
      HttpResponse<Void> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(endpoint() + "/"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
      return response.statusCode() > 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    jvm.close();
  }
}
