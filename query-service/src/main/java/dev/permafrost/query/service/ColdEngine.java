package dev.permafrost.query.service;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.duckdb.DuckDBConnection;

/**
 * One in-process DuckDB database that queries cached chunk files. Dashboard questions borrow a
 * {@link Session} from a small pool; other work takes a connection of its own.
 */
@ApplicationScoped
public class ColdEngine {

  /** Idle sessions kept; more may be open at once, and are closed when given back. */
  private static final int IDLE_SESSIONS = 8;

  /** Prepared statements each session keeps, the least recently used closed first. */
  private static final int STATEMENTS_PER_SESSION = 32;

  private final DuckDBConnection database;
  private final Deque<Session> idle = new ConcurrentLinkedDeque<>();

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

  /** A pooled session for one query at a time; closing it gives it back. */
  public Session session() throws SQLException {
    Session session = idle.pollFirst();
    return session != null ? session : new Session(connect());
  }

  /**
   * A connection in UTC that keeps the statements it prepared. A dashboard asks the same question
   * shape over the same files again and again with other values, and preparing a scan of Parquet
   * files takes a millisecond or two. The file names are in the statement's text, and a file's name
   * says its content (a SHA-256, or the key of a merged copy), so a kept statement never reads
   * other rows than a new one would.
   */
  public final class Session implements AutoCloseable {
    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new LinkedHashMap<>(16, 0.75f, true);
    private boolean failed;

    private Session(Connection connection) {
      this.connection = connection;
    }

    /** The statement of {@code sql}, without parameters; the session closes it, not the caller. */
    public PreparedStatement prepare(String sql) throws SQLException {
      PreparedStatement statement = statements.get(sql);
      if (statement != null) {
        statement.clearParameters();
        return statement;
      }
      statement = connection.prepareStatement(sql);
      statements.put(sql, statement);
      if (statements.size() > STATEMENTS_PER_SESSION) {
        var eldest = statements.values().iterator();
        PreparedStatement evicted = eldest.next();
        eldest.remove();
        evicted.close();
      }
      return statement;
    }

    /** Marks the session as not to be used again, e.g. after a query failed in it. */
    public void failed() {
      failed = true;
    }

    @Override
    public void close() {
      if (!failed && idle.size() < IDLE_SESSIONS) {
        idle.offerFirst(this);
      } else {
        closeQuietly();
      }
    }

    private void closeQuietly() {
      try {
        for (PreparedStatement statement : statements.values()) {
          statement.close();
        }
        connection.close();
      } catch (SQLException e) {
        // Nothing depends on it any more.
      }
    }
  }

  @PreDestroy
  void close() throws SQLException {
    Session session;
    while ((session = idle.pollFirst()) != null) {
      session.closeQuietly();
    }
    database.close();
  }
}
