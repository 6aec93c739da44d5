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
      // Keeps each file's Parquet footer between queries: chunk files never change, and a
      // dashboard question over months opens a hundred of them.
      statement.execute("SET enable_object_cache = true");
    }
  }

  /** A new connection to the shared database, in UTC; close it after the query. */
  public Connection connect() throws SQLException {
    Connection connection = database.duplicate();
    try (Statement statement = connection.createStatement()) {
      // Days are UTC days on both tiers; the setting belongs to each connection.
      statement.execute("SET TimeZone = 'UTC'");
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  @PreDestroy
  void close() throws SQLException {
    database.close();
  }
}
