package dev.permafrost.devstack;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits, with a bound, until a component says it is ready. */
public final class Readiness {

  private Readiness() {}

  /**
   * Polls {@code ready} every 100 ms until it is true or {@code timeout} passes.
   *
   * @param alive checked on every poll so that a crashed process fails at once, not at timeout
   */
  public static void await(String what, Duration timeout, Runnable alive, BooleanSupplier ready) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      alive.run();
      if (ready.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
    throw new IllegalStateException(what + " was not ready within " + timeout);
  }
}
