package dev.permafrost.query.service;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.duckdb.DuckDBConnection;

/** One in-process DuckDB database that queries cached chunk files; a connection per query. */
@ApplicationScoped
public class ColdEngine {

  private final DuckDBConnection database;

  public ColdEngine() throws SQLException {
    this.database = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
    try (Statement statement = database.createStatement()) {
      // Days are UTC days on both tiers.
      statement.execute("SET TimeZone = 'UTC'");
    }
  }

  /** A new connection to the shared database; close it after the query. */
  public Connection connect() throws SQLException {
    return database.duplicate();
  }

  @PreDestroy
  void close() throws SQLException {
    database.close();
  }
}
