package dev.permafrost.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL 15 with PostGIS from Debian's packages, on a free loopback port, for the one thing the
 * embedded binaries lack: the PostGIS extension.
 *
 * <p>Missing packages are installed with {@code apt-get} when this runs as root on Debian (as CI
 * does); otherwise {@link #start} fails naming the packages to install. PostgreSQL refuses to run
 * as root, so as root the server runs as the {@code postgres} user the packages create.
 */
public final class PostgisServer implements AutoCloseable {

  /** The Debian packages that bring PostgreSQL 15 and PostGIS 3. */
  public static final String PACKAGES = "postgresql-15 postgresql-15-postgis-3";

  private static final Path BINARIES = Path.of("/usr/lib/postgresql/15/bin");
  private static final Path POSTGIS_LIBRARY = Path.of("/usr/lib/postgresql/15/lib/postgis-3.so");
  private static final long COMMAND_TIMEOUT_SECONDS = 600;

  private final Path dataDir;
  private final Path log;
  private final int port;

  private PostgisServer(Path dataDir, Path log, int port) {
    this.dataDir = dataDir;
    this.log = log;
    this.port = port;
  }

  /**
   * Installs the packages if need be, creates a fresh cluster, starts it and creates the {@code
   * postgis} extension in database {@code postgres}. The cluster lives under {@code workDir},
   * except as root: user {@code postgres} may not reach a directory inside the work tree (a clone
   * under a private temporary directory, say), so it then lives in a directory of its own under
   * {@code /tmp}, deleted on close.
   *
   * @throws IllegalStateException naming what failed and the log to read
   */
  public static PostgisServer start(Path workDir) {
    ensureInstalled(workDir);
    try {
      Path dir;
      if (isRoot()) {
        dir = Files.createTempDirectory(Path.of("/tmp"), "permafrost-postgis-");
      } else {
        dir = workDir.toAbsolutePath();
        DevStack.deleteRecursively(dir);
        Files.createDirectories(dir);
      }
      Path dataDir = dir.resolve("pg-data");
      Path log = dir.resolve("postgres.log");
      if (isRoot()) {
        run(dir, List.of("chown", "-R", "postgres:postgres", dir.toString()));
      }
      int port = LoopbackPorts.free();
      PostgisServer server = new PostgisServer(dataDir, log, port);
      server.runAsOwner(
          dir,
          BINARIES.resolve("initdb").toString(),
          "-D",
          dataDir.toString(),
          "-U",
          PostgresServer.USER,
          "-A",
          "trust",
          "-E",
          "UTF8",
          "--no-instructions");
      server.runAsOwner(
          dir,
          BINARIES.resolve("pg_ctl").toString(),
          "-D",
          dataDir.toString(),
          "-l",
          log.toString(),
          "-w",
          "-o",
          "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir,
          "start");
      try (Connection connection = server.connect();
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE EXTENSION postgis");
      } catch (SQLException e) {
        server.close();
        throw new IllegalStateException("could not create the postgis extension; see " + log, e);
      }
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("could not prepare " + workDir, e);
    }
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + port + "/" + PostgresServer.DATABASE,
        PostgresServer.USER,
        "");
  }

  @Override
  public void close() {
    runAsOwner(
        dataDir.getParent(),
        BINARIES.resolve("pg_ctl").toString(),
        "-D",
        dataDir.toString(),
        "-m",
        "fast",
        "-w",
        "stop");
    if (isRoot()) {
      try {
        DevStack.deleteRecursively(dataDir.getParent());
      } catch (IOException e) {
        throw new UncheckedIOException("could not delete " + dataDir.getParent(), e);
      }
    }
  }

  private static void ensureInstalled(Path workDir) {
    if (Files.exists(POSTGIS_LIBRARY) && Files.exists(BINARIES.resolve("initdb"))) {
      return;
    }
    if (!isRoot() || !Files.exists(Path.of("/usr/bin/apt-get"))) {
      throw new IllegalStateException(
          "PostGIS is not installed; install the Debian packages " + PACKAGES);
    }
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    run(workDir, List.of("apt-get", "update", "-qq"));
    List<String> install =
        new ArrayList<>(List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends"));
    install.addAll(List.of(PACKAGES.split(" ")));
    run(workDir, install);
  }

  private void runAsOwner(Path dir, String... command) {
    List<String> argv = new ArrayList<>();
    if (isRoot()) {
      argv.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    argv.addAll(List.of(command));
    run(dir, argv);
  }

  private static void run(Path dir, List<String> command) {
    Path output = dir.resolve("command.log");
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            String.join(" ", command) + " did not finish in time; see " + output);
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command)
                + " exited with "
                + process.exitValue()
                + ": "
                + Files.readString(output).strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command.get(0), e);
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }
}
