package dev.permafrost.query.service;

import dev.permafrost.query.domain.Aggregation;
import dev.permafrost.query.domain.ColdObject;
import dev.permafrost.query.persistence.ActiveChunks;
import dev.permafrost.support.jdbc.Transactions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * The cold parts of one question over one piece of a month (the whole month, one of its weeks, or
 * one of its days; see {@link ColdPartitions#keptPieces}), kept as a small DuckDB table: one row
 * per group instead of the piece's rows. A question over 90 days covers two or three months whole
 * and the weeks and days of the months at its ends, and a dashboard asks it again with the window
 * moved by a day; DuckDB then merges those pieces' parts, and reads rows only of the days no piece
 * was built for yet.
 *
 * <p>A table is kept for the question (its partial aggregate query and filter values, without the
 * range) and by the exact objects of the piece it was computed from, so it answers only for that
 * catalog state of the piece: a re-archive, late chunk, restore or erasure makes another key, and
 * the events that retire an object drop the tables computed from it. Tables are built in the
 * background, one at a time, for a piece a question read from its rows; a question leases the
 * tables it reads, and a leased table is never dropped under it. A table of more than {@link
 * #MAX_ROWS_PER_TABLE} groups is not kept: it would save little reading.
 */
@ApplicationScoped
public class MonthRollups {

  private static final Logger LOG = Logger.getLogger(MonthRollups.class);

  /** Tables kept at most, the least recently used dropped first. */
  static final int MAX_TABLES = 512;

  /** Groups kept over all tables at most. */
  static final long MAX_ROWS = 2_000_000;

  /** A piece's parts with more groups than this are not kept. */
  static final long MAX_ROWS_PER_TABLE = 100_000;

  /** A question of a dataset and the objects of one piece of a month. */
  public record Key(String dataset, String sql, List<Object> parameters, List<String> objects) {

    /** The question {@code sql} with the aggregation's filter values, over these objects. */
    static Key of(String sql, Aggregation aggregation, List<ColdObject> objects) {
      return new Key(
          aggregation.dataset(),
          sql,
          ColdAnswers.filterValues(aggregation),
          ColdAnswers.sha256s(objects));
    }
  }

  /** Computes a piece's parts into a new table of the given name. */
  @FunctionalInterface
  public interface Builder {
    void build(Connection duck, String table) throws Exception;
  }

  private static final class Table {
    final Key key;
    final String name;
    final long rows;
    final Set<String> sha256s;
    int leases;

    /** Dropped while leased: the table goes when the last lease is released. */
    boolean dropped;

    Table(Key key, String name, long rows) {
      this.key = key;
      this.name = name;
      this.rows = rows;
      this.sha256s = Set.copyOf(key.objects());
    }
  }

  private final DataSource dataSource;
  private final ActiveChunks activeChunks;
  private final ColdEngine engine;
  private final ObjectCache cache;

  /** Guarded by {@code this}; least recently used first. */
  private final LinkedHashMap<Key, Table> tables = new LinkedHashMap<>(64, 0.75f, true);

  /** Groups in all kept tables; guarded by {@code this}. */
  private long rows;

  /** Keys whose parts were too many to keep, so that they are not computed again and again. */
  private final Map<Key, Boolean> tooLarge =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Boolean> eldest) {
              return size() > MAX_TABLES;
            }
          });

  private final Set<Key> queued = ConcurrentHashMap.newKeySet();
  private final AtomicLong reads = new AtomicLong();
  private final AtomicLong builds = new AtomicLong();

  /** How many times objects were retired: a build that saw the catalog before must not be kept. */
  private final AtomicLong retirements = new AtomicLong();

  private final ExecutorService builder =
      Executors.newSingleThreadExecutor(DaemonThreads.named("month-rollups"));

  public MonthRollups(
      DataSource dataSource, ActiveChunks activeChunks, ColdEngine engine, ObjectCache cache) {
    this.dataSource = dataSource;
    this.activeChunks = activeChunks;
    this.engine = engine;
    this.cache = cache;
  }

  /** The leased tables of one question; closing it lets them be dropped. */
  public final class Lease implements AutoCloseable {
    private final List<Table> leased;
    private boolean closed;

    private Lease(List<Table> leased) {
      this.leased = leased;
    }

    /** The tables' names, quoted for SQL. */
    public List<String> tables() {
      return leased.stream().map(table -> "\"" + table.name + "\"").toList();
    }

    /** Whether a table of this key is leased. */
    public boolean holds(Key key) {
      return leased.stream().anyMatch(table -> table.key.equals(key));
    }

    @Override
    public void close() {
      List<Table> unused = new ArrayList<>();
      synchronized (MonthRollups.this) {
        if (closed) {
          return;
        }
        closed = true;
        for (Table table : leased) {
          table.leases--;
          if (table.dropped && table.leases == 0) {
            unused.add(table);
          }
        }
      }
      dropTables(unused);
    }
  }

  /** Leases the tables of those keys that have one; the others get none. */
  public synchronized Lease lease(Collection<Key> keys) {
    List<Table> leased = new ArrayList<>();
    for (Key key : keys) {
      Table table = tables.get(key);
      if (table != null) {
        table.leases++;
        leased.add(table);
        reads.incrementAndGet();
      }
    }
    return new Lease(leased);
  }

  /** Whether this key has a table now. */
  public synchronized boolean has(Key key) {
    return tables.containsKey(key);
  }

  /** Builds the key's table in the background, unless it has one, is queued or is too large. */
  public void queueBuild(Key key, Builder build) {
    if (has(key) || tooLarge.containsKey(key) || !queued.add(key)) {
      return;
    }
    try {
      builder.submit(
          () -> {
            try {
              build(key, build);
            } catch (Exception e) {
              // Only a shortcut: the piece is read from its rows meanwhile.
              LOG.warnf(e, "could not keep the parts of a piece of a month: %s", e.getMessage());
            } finally {
              queued.remove(key);
            }
          });
    } catch (RejectedExecutionException e) {
      queued.remove(key); // shutting down
    }
  }

  private void build(Key key, Builder build) throws Exception {
    long retirementsBefore = retirements.get();
    // A piece retired while its build waited in the queue is not read again.
    if (!inactive(key.objects()).isEmpty()) {
      return;
    }
    // A name of its own for each build: a table dropped while a question still reads it must
    // not be confused with a new one of the same key.
    Table table = new Table(key, tableName(key) + "_" + builds.incrementAndGet(), 0);
    long groups;
    try (Connection duck = engine.connect()) {
      build.build(duck, table.name);
      try (Statement count = duck.createStatement();
          ResultSet rs = count.executeQuery("SELECT count(*) FROM \"" + table.name + "\"")) {
        rs.next();
        groups = rs.getLong(1);
      }
    } catch (Exception e) {
      dropTables(List.of(table)); // if it was made
      throw e;
    }
    if (groups > MAX_ROWS_PER_TABLE) {
      tooLarge.put(key, Boolean.TRUE);
      dropTables(List.of(table));
      return;
    }
    // Objects retired during the build: erased rows may have been downloaded again for it.
    List<String> retired = inactive(key.objects());
    if (!retired.isEmpty()) {
      dropTables(List.of(table));
      cache.drop(retired);
      return;
    }
    keep(new Table(key, table.name, groups), retirementsBefore);
  }

  /**
   * Keeps the table unless objects were retired since {@code retirementsBefore}: the check of its
   * objects above may have seen the catalog before that erasure or restore, whose event's drop
   * would then miss the table. Such a table is dropped; the next question queues it again.
   */
  private void keep(Table table, long retirementsBefore) {
    List<Table> unused = new ArrayList<>();
    synchronized (this) {
      if (retirements.get() != retirementsBefore) {
        unused.add(table);
      } else {
        Table replaced = tables.put(table.key, table);
        rows += table.rows;
        if (replaced != null) {
          rows -= replaced.rows;
          retire(replaced, unused);
        }
        var eldest = tables.values().iterator();
        while ((tables.size() > MAX_TABLES || rows > MAX_ROWS) && eldest.hasNext()) {
          Table evicted = eldest.next();
          if (evicted == table) {
            break;
          }
          eldest.remove();
          rows -= evicted.rows;
          retire(evicted, unused);
        }
      }
    }
    dropTables(unused);
  }

  private List<String> inactive(List<String> sha256s) {
    return Transactions.inSnapshot(dataSource, c -> activeChunks.inactive(c, sha256s));
  }

  /** Drops the tables computed from any of these objects, which no ACTIVE chunk holds any more. */
  public void dropHolding(Collection<String> retiredSha256s) {
    List<Table> unused = new ArrayList<>();
    synchronized (this) {
      retirements.incrementAndGet();
      var kept = tables.values().iterator();
      while (kept.hasNext()) {
        Table table = kept.next();
        if (retiredSha256s.stream().anyMatch(table.sha256s::contains)) {
          kept.remove();
          rows -= table.rows;
          retire(table, unused);
        }
      }
    }
    dropTables(unused);
  }

  /** How many times a question read a piece's parts from a table since the start. */
  public long reads() {
    return reads.get();
  }

  /** How many tables of the dataset's questions are kept now. */
  public synchronized int tables(String dataset) {
    return (int) tables.keySet().stream().filter(key -> key.dataset().equals(dataset)).count();
  }

  /** How many tables of the dataset's questions wait to be built. */
  public int queued(String dataset) {
    return (int) queued.stream().filter(key -> key.dataset().equals(dataset)).count();
  }

  /** Waits until every build queued so far is done; for tests and benchmarks. */
  public void awaitQueuedBuilds() throws InterruptedException {
    try {
      builder.submit(() -> {}).get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** A table no longer kept: dropped now, or by its last lease. Called under the lock. */
  private static void retire(Table table, List<Table> unused) {
    if (table.leases > 0) {
      table.dropped = true;
    } else {
      unused.add(table);
    }
  }

  private void dropTables(List<Table> unused) {
    if (unused.isEmpty()) {
      return;
    }
    try (Connection duck = engine.connect();
        Statement drop = duck.createStatement()) {
      for (Table table : unused) {
        drop.execute("DROP TABLE IF EXISTS \"" + table.name + "\"");
      }
    } catch (SQLException e) {
      LOG.warnf(e, "could not drop kept parts");
    }
  }

  /** A name for the tables of this key. */
  private static String tableName(Key key) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update((key.dataset() + "\n" + key.sql()).getBytes(StandardCharsets.UTF_8));
      for (Object parameter : key.parameters()) {
        String typed =
            (parameter == null ? "null" : parameter.getClass().getName()) + ":" + parameter;
        digest.update((typed + "\n").getBytes(StandardCharsets.UTF_8));
      }
      for (String sha : key.objects()) {
        digest.update(sha.getBytes(StandardCharsets.US_ASCII));
      }
      return "month_parts_" + HexFormat.of().formatHex(digest.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @PreDestroy
  void stop() {
    builder.shutdownNow();
  }
}
