package dev.permafrost.archive.service;

import dev.permafrost.archive.config.ArchiveConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named points between the steps of verify, prune, restore and purge where a test can make the work
 * die, to prove that a retry from any of them reaches the same end state. Inert unless enabled by
 * configuration, which only the test profile does.
 */
@ApplicationScoped
public class Failpoints {

  /** After a prune's fresh read-back of the chunk, before any hot row is touched. */
  public static final String PRUNE_AFTER_READ_BACK = "prune.after-read-back";

  /** After the hot rows were deleted and checked, before the transaction commits. */
  public static final String PRUNE_BEFORE_COMMIT = "prune.before-commit";

  /** After verification read the objects back, before VERIFIED is committed. */
  public static final String VERIFY_BEFORE_COMMIT = "verify.before-commit";

  /** After a restore copied the chunk's rows into the table, before they were checked. */
  public static final String RESTORE_AFTER_COPY = "restore.after-copy";

  /** After the restored rows were checked against the chunk, before the transaction commits. */
  public static final String RESTORE_BEFORE_COMMIT = "restore.before-commit";

  /** After a tenant's hot rows were deleted and checked, before the transaction commits. */
  public static final String PURGE_HOT_BEFORE_COMMIT = "purge.hot-before-commit";

  /** After a chunk's replacement was written and verified, before the swap commits. */
  public static final String PURGE_SWAP_BEFORE_COMMIT = "purge.swap-before-commit";

  /** After the swap committed, before the replaced objects are deleted from the store. */
  public static final String PURGE_BEFORE_OBJECT_DELETION = "purge.before-object-deletion";

  /** Exit code of a process halted at a failpoint, like a SIGKILL'ed one. */
  static final int HALT_EXIT_CODE = 137;

  private final boolean enabled;
  private final Map<String, Runnable> armed = new ConcurrentHashMap<>();

  public Failpoints(ArchiveConfig config) {
    this.enabled = config.failpointsEnabled();
    if (enabled) {
      // halt() skips shutdown hooks and finally blocks: the closest a JVM gets to kill -9.
      config
          .failpointsHalt()
          .orElse(List.of())
          .forEach(name -> arm(name, () -> Runtime.getRuntime().halt(HALT_EXIT_CODE)));
    }
  }

  /** Runs, once, the action armed at {@code name}. */
  void reached(String name) {
    if (enabled) {
      Runnable action = armed.remove(name);
      if (action != null) {
        action.run();
      }
    }
  }

  /** Arms {@code action} to run the next time {@code name} is reached. */
  public void arm(String name, Runnable action) {
    if (!enabled) {
      throw new IllegalStateException(
          "failpoints are disabled; set permafrost.archive.failpoints-enabled");
    }
    armed.put(name, action);
  }
}
