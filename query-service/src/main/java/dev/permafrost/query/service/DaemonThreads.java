package dev.permafrost.query.service;

import java.util.concurrent.ThreadFactory;

/** Threads of the service's background pools, which must not keep the JVM from stopping. */
final class DaemonThreads {

  private DaemonThreads() {}

  /** Makes daemon threads of this name. */
  static ThreadFactory named(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
