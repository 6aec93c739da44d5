package dev.permafrost.launcher;

import java.io.PrintStream;

/**
 * Progress of long steps on the console: one line per step, updated in place on a terminal and
 * printed once when done elsewhere, so that logs of scripted runs stay short.
 */
final class Progress {

  private final PrintStream out;
  private final boolean terminal;
  private String step;
  private long stepStarted;

  Progress(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** Output that says nothing, for tests. */
  static Progress silent() {
    return new Progress(new PrintStream(java.io.OutputStream.nullOutputStream()), false);
  }

  void step(String description) {
    step = description;
    stepStarted = System.nanoTime();
    if (terminal) {
      out.print("  " + description + " ...");
      out.flush();
    }
  }

  /** Shows how far the current step is, e.g. {@code 12/23 partitions}. */
  void update(String status) {
    if (terminal) {
      out.print("\r\033[K  " + step + " ... " + status);
      out.flush();
    }
  }

  void done() {
    done("done");
  }

  void done(String outcome) {
    String line = "  " + step + " ... " + outcome + " (" + elapsed() + ")";
    out.println(terminal ? "\r\033[K" + line : line);
  }

  private String elapsed() {
    return String.format("%.1f s", (System.nanoTime() - stepStarted) / 1e9);
  }
}
