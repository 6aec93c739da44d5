package dev.permafrost.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server running in a child JVM whose output goes to a log file, stopped together with every
 * process it started.
 */
public final class ChildJvm implements AutoCloseable {

  private static final Duration GRACEFUL_STOP = Duration.ofSeconds(10);

  private final String name;
  private final Process process;
  private final Path logFile;

  private ChildJvm(String name, Process process, Path logFile) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
  }

  /**
   * Starts {@code mainClass} with the classpath that a devstack-* module wrote into a resource.
   *
   * @param classpathResource e.g. {@code kafka-broker.classpath}, next to this class
   */
  static ChildJvm start(
      String name,
      String classpathResource,
      List<String> jvmOptions,
      String mainClass,
      List<String> arguments,
      Path logFile) {
    List<String> javaArguments = new ArrayList<>();
    // Small, fast-starting servers: these run next to the services on a 2-core machine.
    javaArguments.add("-XX:TieredStopAtLevel=1");
    javaArguments.add("-Xss512k");
    javaArguments.addAll(jvmOptions);
    javaArguments.add("-cp");
    javaArguments.add(readClasspath(classpathResource));
    javaArguments.add(mainClass);
    javaArguments.addAll(arguments);
    return start(name, javaArguments, logFile);
  }

  /**
   * Starts {@code java} from this JVM's own installation with {@code javaArguments}, its output
   * appended to {@code logFile}.
   */
  public static ChildJvm start(String name, List<String> javaArguments, Path logFile) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:+UseSerialGC");
    command.addAll(javaArguments);
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .start();
      return new ChildJvm(name, process, logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + name, e);
    }
  }

  static String readClasspath(String classpathResource) {
    try (InputStream in = ChildJvm.class.getResourceAsStream(classpathResource)) {
      if (in == null) {
        throw new IllegalStateException(
            "classpath resource "
                + classpathResource
                + " is missing: build the devstack modules with ./mvnw install first");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Fails fast with the log file's name if the process died while we waited for it. */
  public void assertAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          name + " exited with code " + process.exitValue() + "; see " + logFile);
    }
  }

  /**
   * Waits for the process to end on its own.
   *
   * @return its exit code, or empty if it still runs after {@code timeout}
   */
  public java.util.OptionalInt awaitExit(java.time.Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
          ? java.util.OptionalInt.of(process.exitValue())
          : java.util.OptionalInt.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return java.util.OptionalInt.empty();
    }
  }

  public Path logFile() {
    return logFile;
  }

  @Override
  public void close() {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(GRACEFUL_STOP.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(GRACEFUL_STOP.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
  }
}
