package dev.permafrost.format;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Decodes rows from a result set on a thread of its own, a few batches ahead of the caller, so that
 * decoding PostgreSQL's rows and encoding Parquet overlap on two cores. Rows arrive in result set
 * order; a failure while reading is thrown from {@link #next()}.
 */
final class RowPrefetcher implements AutoCloseable {

  private static final int BATCH_ROWS = 1_024;
  private static final Object[][] END = new Object[0][];

  private final BlockingQueue<Object[][]> queue = new ArrayBlockingQueue<>(4);
  private final Thread reader;
  private volatile Throwable failure;
  private volatile boolean cancelled;
  private Object[][] batch = END;
  private int index;
  private boolean finished;

  private final boolean checkValues;

  /**
   * @param rows a result set whose items are the schema's columns followed by {@link
   *     PgTables#valueChecks}
   */
  RowPrefetcher(ResultSet rows, TableSchema schema) {
    this.checkValues = schema.needsValueChecks();
    reader = new Thread(() -> read(rows, schema), "export-row-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read(ResultSet rows, TableSchema schema) {
    try {
      Object[][] next = new Object[BATCH_ROWS][];
      int filled = 0;
      while (!cancelled && rows.next()) {
        next[filled++] = PgTables.readRow(rows, schema);
        if (checkValues) {
          PgTables.checkValues(rows, schema);
        }
        if (filled == BATCH_ROWS) {
          hand(next);
          next = new Object[BATCH_ROWS][];
          filled = 0;
        }
      }
      if (filled > 0) {
        hand(java.util.Arrays.copyOf(next, filled));
      }
    } catch (Throwable e) {
      failure = e;
    } finally {
      try {
        hand(END);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void hand(Object[][] rows) throws InterruptedException {
    while (!cancelled && !queue.offer(rows, 100, TimeUnit.MILLISECONDS)) {
      // the caller is busy; wait for room
    }
  }

  /** The next row, or null after the last one. */
  Object[] next() throws SQLException {
    while (index == batch.length) {
      if (finished) {
        return null;
      }
      try {
        batch = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while reading rows", e);
      }
      index = 0;
      if (batch == END) {
        finished = true;
        rethrowFailure();
        return null;
      }
    }
    return batch[index++];
  }

  private void rethrowFailure() throws SQLException {
    Throwable e = failure;
    if (e instanceof SQLException sql) {
      throw sql;
    }
    if (e instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (e instanceof Error error) {
      throw error;
    }
    if (e != null) {
      throw new IllegalStateException(e);
    }
  }

  /** Stops the reader and waits for it, so that nobody touches the result set afterwards. */
  @Override
  public void close() {
    cancelled = true;
    boolean interrupted = false;
    // The reader may be inside rs.next(); it ends within the statement timeout at the latest.
    // Until it has, the result set is its own: never hand it back early, not even on interrupt.
    while (reader.isAlive()) {
      queue.clear();
      try {
        reader.join(100);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
