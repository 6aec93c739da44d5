package dev.permafrost.launcher;

import dev.permafrost.devstack.DevStack;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** The whole system on one machine: devstack and the three services, stopped together. */
final class PermafrostStack implements AutoCloseable {

  private final DevStack devStack;
  private final Deque<ServiceProcess> services = new ArrayDeque<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private ServiceProcess exporter;
  private ServiceProcess archive;
  private ServiceProcess query;

  private PermafrostStack(DevStack devStack) {
    this.devStack = devStack;
  }

  /**
   * Starts everything under {@code workDir}.
   *
   * @param overrides extra service configuration, e.g. a shorter reconcile interval in tests
   */
  static PermafrostStack start(
      Path home, Path workDir, Map<String, String> overrides, Progress progress) {
    progress.step("Starting PostgreSQL, Kafka and S3Proxy");
    PermafrostStack stack = new PermafrostStack(DevStack.start(workDir.resolve("devstack")));
    Thread hook = new Thread(stack::close, "permafrost-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      progress.done();
      progress.step("Starting exporter-service, archive-service and query-service");
      Map<String, String> config = new LinkedHashMap<>(stack.devStack.serviceConfig());
      config.putAll(overrides);
      stack.exporter = stack.startService(home, "exporter-service", 8081, config, workDir);
      stack.archive = stack.startService(home, "archive-service", 8082, config, workDir);
      stack.query = stack.startService(home, "query-service", 8083, config, workDir);
      for (ServiceProcess service : List.of(stack.exporter, stack.archive, stack.query)) {
        service.awaitReady();
      }
      progress.done();
      return stack;
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  private ServiceProcess startService(
      Path home, String name, int port, Map<String, String> config, Path workDir) {
    ServiceProcess service = ServiceProcess.start(home, name, port, config, workDir);
    services.push(service);
    return service;
  }

  DevStack devStack() {
    return devStack;
  }

  String exporterUrl() {
    return exporter.url();
  }

  String archiveUrl() {
    return archive.url();
  }

  String queryUrl() {
    return query.url();
  }

  List<ServiceProcess> services() {
    return List.of(exporter, archive, query);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    while (!services.isEmpty()) {
      services.pop().close();
    }
    devStack.close();
  }
}
