package dev.permafrost.devstack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.util.Map;

/** Starts a {@link DevStack} for a Quarkus test and hands its endpoints to the application. */
public class DevStackTestResource implements QuarkusTestResourceLifecycleManager {

  private DevStack stack;

  /** The running stack, for tests that need to reach PostgreSQL, Kafka or S3 themselves. */
  private static volatile DevStack current;

  @Override
  public Map<String, String> start() {
    Path workDir = Path.of("target", "devstack-" + ProcessHandle.current().pid());
    stack = DevStack.start(workDir);
    current = stack;
    return stack.serviceConfig();
  }

  @Override
  public void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  /** The stack that the running Quarkus test started. */
  public static DevStack current() {
    if (current == null) {
      throw new IllegalStateException("no DevStack was started by DevStackTestResource");
    }
    return current;
  }
}
