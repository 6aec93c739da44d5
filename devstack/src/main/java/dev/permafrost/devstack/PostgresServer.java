package dev.permafrost.devstack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

/** PostgreSQL from embedded binaries, with fsync on so that crash tests mean something. */
final class PostgresServer implements AutoCloseable {

  static final String USER = "postgres";
  static final String PASSWORD = "postgres";
  static final String DATABASE = "postgres";

  private final EmbeddedPostgres postgres;

  private PostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  static PostgresServer start(Path workDir, Duration timeout) {
    try {
      EmbeddedPostgres postgres =
          EmbeddedPostgres.builder()
              .setPort(LoopbackPorts.free())
              .setDataDirectory(workDir.resolve("pg-data"))
              .setCleanDataDirectory(true)
              .setOverrideWorkingDirectory(workDir.resolve("pg-binaries").toFile())
              .setPGStartupWait(timeout)
              .setServerConfig("fsync", "on")
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("listen_addresses", "127.0.0.1")
              .setServerConfig("max_connections", "200")
              .setServerConfig("shared_buffers", "256MB")
              .start();
      return new PostgresServer(postgres);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start PostgreSQL", e);
    }
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + DATABASE;
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException("could not stop PostgreSQL", e);
    }
  }
}
