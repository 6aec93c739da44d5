package dev.permafrost.query.service;

import dev.permafrost.query.config.QueryConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A point inside a query, after its snapshot was read and before its cold chunks are, where a test
 * can make other work commit, to prove that the answer is the snapshot's whatever commits around
 * it. Inert unless enabled by configuration, which only the test profile does.
 */
@ApplicationScoped
public class QueryHooks {

  private final boolean enabled;
  private final AtomicReference<Runnable> afterSnapshot = new AtomicReference<>();

  public QueryHooks(QueryConfig config) {
    this.enabled = config.hooksEnabled();
  }

  /** Runs, once, the action armed for the next query that reads cold chunks. */
  void afterSnapshot() {
    if (enabled) {
      Runnable action = afterSnapshot.getAndSet(null);
      if (action != null) {
        action.run();
      }
    }
  }

  /** Arms {@code action} to run in the next query, between its snapshot and its cold read. */
  public void armAfterSnapshot(Runnable action) {
    if (!enabled) {
      throw new IllegalStateException(
          "query hooks are disabled; set permafrost.query.hooks-enabled");
    }
    afterSnapshot.set(action);
  }
}
