package dev.permafrost.support.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * Runs work in one PostgreSQL transaction on a connection of its own. Plain JDBC keeps the
 * boundaries visible: what commits together is exactly what a lambda does.
 */
public final class Transactions {

  /** Work that uses the transaction's connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws Exception;
  }

  private Transactions() {}

  /** Read-write at READ COMMITTED. */
  public static <T> T inTransaction(DataSource dataSource, Work<T> work) {
    return run(dataSource, Connection.TRANSACTION_READ_COMMITTED, false, work);
  }

  /**
   * Read-write at REPEATABLE READ: every statement sees the same snapshot plus the transaction's
   * own changes, so that what it reads before and after a write differs by exactly that write.
   */
  public static <T> T inWritableSnapshot(DataSource dataSource, Work<T> work) {
    return run(dataSource, Connection.TRANSACTION_REPEATABLE_READ, false, work);
  }

  /**
   * Read-only at REPEATABLE READ: every statement sees the same snapshot. The transaction sets its
   * own isolation with its first statement, so that it costs no round trip to set the session's and
   * none to reset it when the connection goes back to the pool: queries run many of these.
   */
  public static <T> T inSnapshot(DataSource dataSource, Work<T> work) {
    return run(
        dataSource,
        connection -> {
          try (Statement begin = connection.createStatement()) {
            begin.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
          }
          return work.run(connection);
        });
  }

  private static <T> T run(DataSource dataSource, int isolation, boolean readOnly, Work<T> work) {
    return run(
        dataSource,
        connection -> {
          connection.setTransactionIsolation(isolation);
          connection.setReadOnly(readOnly);
          return work.run(connection);
        });
  }

  /** Runs {@code work} in one transaction; {@code work} sets its isolation first. */
  private static <T> T run(DataSource dataSource, Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        resetForPool(connection);
        return result;
      } catch (Throwable e) {
        rollbackQuietly(connection, e);
        throw e;
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new TransactionFailedException(e);
    }
  }

  private static void rollbackQuietly(Connection connection, Throwable cause) {
    try {
      connection.rollback();
      resetForPool(connection);
    } catch (SQLException rollbackFailure) {
      // A broken connection: the pool discards it; the original failure is what matters.
      cause.addSuppressed(rollbackFailure);
    }
  }

  private static void resetForPool(Connection connection) throws SQLException {
    connection.setReadOnly(false);
    connection.setAutoCommit(true);
  }
}
