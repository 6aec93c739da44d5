package dev.permafrost.launcher;

import dev.permafrost.devstack.ChildJvm;
import dev.permafrost.devstack.LoopbackPorts;
import dev.permafrost.devstack.Readiness;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One Permafrost service, started from its packaged application in a child JVM. */
final class ServiceProcess implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final String name;
  private final ChildJvm jvm;
  private final int port;

  private ServiceProcess(String name, ChildJvm jvm, int port) {
    this.name = name;
    this.jvm = jvm;
    this.port = port;
  }

  /**
   * Starts {@code service} (e.g. {@code exporter-service}) with {@code config} as system
   * properties, its log in {@code workDir}.
   *
   * @param preferredPort used if free, else any free port
   */
  static ServiceProcess start(
      Path home, String service, int preferredPort, Map<String, String> config, Path workDir) {
    Path jar = home.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build with ./mvnw install -DskipTests");
    }
    int port = LoopbackPorts.accepts(preferredPort) ? LoopbackPorts.free() : preferredPort;
    List<String> arguments = new ArrayList<>();
    arguments.add("-Xmx512m");
    arguments.add("-Djava.io.tmpdir=" + workDir.resolve("tmp"));
    arguments.add("-Dquarkus.http.port=" + port);
    arguments.add("-Dquarkus.http.host=127.0.0.1");
    config.forEach((key, value) -> arguments.add("-D" + key + "=" + value));
    arguments.add("-jar");
    arguments.add(jar.toString());
    try {
      Files.createDirectories(workDir.resolve("tmp"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    ChildJvm jvm = ChildJvm.start(service, arguments, workDir.resolve(service + ".log"));
    return new ServiceProcess(service, jvm, port);
  }

  /** Waits until the service's readiness check passes. */
  void awaitReady() {
    HttpClient http = HttpClient.newHttpClient();
    Readiness.await(
        name + " on port " + port,
        START_TIMEOUT,
        jvm::assertAlive,
        () -> {
          try {
            return http.send(
                        HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                        HttpResponse.BodyHandlers.discarding())
                    .statusCode()
                == 200;
          } catch (IOException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        });
  }

  /** Waits for the service to die on its own; its exit code, or empty if it still runs. */
  java.util.OptionalInt awaitExit(Duration timeout) {
    return jvm.awaitExit(timeout);
  }

  String name() {
    return name;
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  Path logFile() {
    return jvm.logFile();
  }

  @Override
  public void close() {
    jvm.close();
  }
}
