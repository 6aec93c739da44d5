package dev.permafrost.exporter;

import dev.permafrost.devstack.DumpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.util.Map;

/** Starts a loopback {@link DumpServer} and points the Wikimedia importer at it. */
public class DumpServerTestResource implements QuarkusTestResourceLifecycleManager {

  private static volatile DumpServer current;

  @Override
  public Map<String, String> start() {
    current = DumpServer.start();
    return Map.of(
        "permafrost.exporter.wikimedia.base-url",
        current.baseUrl(),
        "permafrost.exporter.wikimedia.cache-dir",
        Path.of("target", "wikimedia-cache-" + ProcessHandle.current().pid())
            .toAbsolutePath()
            .toString());
  }

  @Override
  public void stop() {
    if (current != null) {
      current.close();
    }
  }

  /** The server the running test application downloads from. */
  static DumpServer server() {
    return current;
  }
}
