package dev.permafrost.launcher;

import dev.permafrost.devstack.DevStack;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** The whole system on one machine: devstack and the three services, stopped together. */
final class PermafrostStack implements AutoCloseable {

  static final String EXPORTER = "exporter-service";
  static final String ARCHIVE = "archive-service";
  static final String QUERY = "query-service";

  /** The ports the services listen on when they are free, as the README says. */
  private static final Map<String, Integer> PREFERRED_PORTS =
      Map.of(EXPORTER, 8081, ARCHIVE, 8082, QUERY, 8083);

  private final Path home;
  private final Path workDir;
  private final DevStack devStack;
  private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private PermafrostStack(Path home, Path workDir, DevStack devStack) {
    this.home = home;
    this.workDir = workDir;
    this.devStack = devStack;
  }

  /**
   * Starts everything under {@code workDir}.
   *
   * @param overrides extra configuration per service name, e.g. failpoints for a crash test
   */
  static PermafrostStack start(
      Path home, Path workDir, Map<String, Map<String, String>> overrides, Progress progress) {
    progress.step("Starting PostgreSQL, Kafka and S3Proxy");
    PermafrostStack stack =
        new PermafrostStack(home, workDir, DevStack.start(workDir.resolve("devstack"), false));
    // One hook for everything, so that the services stop before the components they use.
    Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "permafrost-shutdown"));
    try {
      progress.done();
      progress.step("Starting exporter-service, archive-service and query-service");
      for (String service : List.of(EXPORTER, ARCHIVE, QUERY)) {
        stack.launch(service, overrides.getOrDefault(service, Map.of()));
      }
      stack.services.values().forEach(ServiceProcess::awaitReady);
      progress.done();
      return stack;
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  /** Stops {@code service} if it still runs and starts it again with {@code overrides}. */
  ServiceProcess restart(String service, Map<String, String> overrides) {
    ServiceProcess running = services.remove(service);
    if (running == null) {
      throw new IllegalArgumentException(
          "no service " + service + "; services: " + services.keySet());
    }
    running.close();
    ServiceProcess restarted = launch(service, overrides);
    restarted.awaitReady();
    return restarted;
  }

  private ServiceProcess launch(String service, Map<String, String> overrides) {
    Map<String, String> config = new LinkedHashMap<>(devStack.serviceConfig());
    config.putAll(overrides);
    ServiceProcess process =
        ServiceProcess.start(home, service, PREFERRED_PORTS.get(service), config, workDir);
    services.put(service, process);
    return process;
  }

  DevStack devStack() {
    return devStack;
  }

  ServiceProcess service(String name) {
    return services.get(name);
  }

  String exporterUrl() {
    return services.get(EXPORTER).url();
  }

  String archiveUrl() {
    return services.get(ARCHIVE).url();
  }

  String queryUrl() {
    return services.get(QUERY).url();
  }

  List<ServiceProcess> services() {
    return List.copyOf(services.values());
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<ServiceProcess> running = List.copyOf(services.values());
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
    devStack.close();
  }
}
