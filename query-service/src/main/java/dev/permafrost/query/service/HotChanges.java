package dev.permafrost.query.service;

import dev.permafrost.format.ColumnType;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.TableSchema;
import dev.permafrost.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Which days of a dataset's hot rows changed, as a snapshot sees them, so that a hot day's partial
 * aggregates can be kept between questions like a cold partition's.
 *
 * <p>Triggers on the dataset's table add a row to {@code query.hot_change} for each statement and
 * UTC day it changes, in the statement's own transaction (see V2__hot_changes.sql). Snapshots of
 * one PostgreSQL server are nested: a later one sees every transaction an earlier one saw. So two
 * snapshots that count as many changes of a day saw the same transactions write it, hence the same
 * rows. Rows there are only added, or merged into one that holds their sum, in one transaction.
 *
 * <p>A day's state is therefore its sum of changes, with those of every day (TRUNCATE), and the
 * watch: which table the triggers are on, since when. A snapshot that does not see the watch, or
 * all four triggers enabled, gets no state, and its question reads the hot rows.
 *
 * <p>A question that finds a trigger disabled installs them again, with a new watch, so that
 * nothing kept before counts. Writes made while an operator had disabled them ({@code ALTER TABLE
 * ... DISABLE TRIGGER}, or a restore with {@code --disable-triggers}) and enabled again before any
 * question found them so are not counted: restart the query-service after such a load, so that it
 * forgets the hot days it kept.
 */
@ApplicationScoped
public class HotChanges {

  private static final Logger LOG = Logger.getLogger(HotChanges.class);

  /** The triggers' names: this and the event, lower case. */
  static final String TRIGGER_PREFIX = "permafrost_hot_change_";

  /**
   * How many of the watched table's four triggers are there and enabled always; names {@code w}.
   */
  private static final String ENABLED_TRIGGERS =
      """
      (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = w.relation
         AND t.tgname LIKE 'permafrost\\_hot\\_change\\_%' AND t.tgenabled = 'A')""";

  /** A dataset's days are merged into a row each once one of them has more rows than this. */
  public static final int MERGE_ABOVE_ROWS = 16;

  private final DataSource dataSource;

  /** Datasets whose triggers this process installed or found, by name. */
  private final Set<String> watched = ConcurrentHashMap.newKeySet();

  /**
   * Datasets whose triggers could not be installed, and when to try again: until then their
   * questions read the hot rows.
   */
  private final Map<String, Long> refusedUntilNanos = new ConcurrentHashMap<>();

  /** How long after a failed install of the triggers the next is tried. */
  private static final long RETRY_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);

  private final Set<String> merging = ConcurrentHashMap.newKeySet();
  private final ExecutorService merger =
      Executors.newSingleThreadExecutor(DaemonThreads.named("hot-change-merge"));

  public HotChanges(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * What one snapshot says of a range of days: each day's state, a text equal in two snapshots only
   * if they saw the same rows of that day.
   */
  public record DayStates(String watch, long everyDay, Map<LocalDate, Long> changes) {

    public String of(LocalDate day) {
      return watch + "/" + everyDay + "/" + changes.getOrDefault(day, 0L);
    }
  }

  /**
   * Installs the triggers on the dataset's table, unless this process did before; false if it
   * cannot (say, its role does not own the table), which is logged once.
   */
  public boolean watch(DatasetDefinition dataset, TableSchema schema) {
    if (watched.contains(dataset.name())) {
      return true;
    }
    Long refusedUntil = refusedUntilNanos.get(dataset.name());
    if (refusedUntil != null && System.nanoTime() - refusedUntil < 0) {
      return false;
    }
    try {
      Transactions.inTransaction(dataSource, c -> install(c, dataset, schema));
      refusedUntilNanos.remove(dataset.name());
      watched.add(dataset.name());
      return true;
    } catch (RuntimeException e) {
      refusedUntilNanos.put(dataset.name(), System.nanoTime() + RETRY_NANOS);
      LOG.warnf(
          e,
          "cannot install the hot-change triggers on %s: for a minute, questions over its hot"
              + " rows read them afresh every time",
          dataset.table());
      return false;
    }
  }

  private static final List<String> EVENTS = List.of("insert", "update", "delete", "truncate");

  private static Void install(Connection c, DatasetDefinition dataset, TableSchema schema)
      throws SQLException {
    String table = dataset.table();
    try (Statement settings = c.createStatement()) {
      // Creating a trigger waits for the table's writers: a long one must not hold up questions.
      settings.execute("SET LOCAL lock_timeout = '5s'");
    }
    try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      lock.setLong(1, ("permafrost.hot_watch/" + dataset.name()).hashCode());
      lock.execute(); // replicas starting together install one after the other
    }
    if (installed(c, dataset)) {
      return null;
    }
    String arguments =
        "'"
            + dataset.name().replace("'", "''")
            + "', '"
            + dataset.timeColumn().replace("'", "''")
            + "', '"
            + timeType(schema.column(schema.indexOf(dataset.timeColumn())).type())
            + "'";
    try (Statement ddl = c.createStatement()) {
      for (String event : EVENTS) {
        String transitionTables =
            switch (event) {
              case "insert" -> " REFERENCING NEW TABLE AS new_rows";
              case "update" -> " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows";
              case "delete" -> " REFERENCING OLD TABLE AS old_rows";
              default -> "";
            };
        ddl.execute(
            "CREATE OR REPLACE TRIGGER "
                + TRIGGER_PREFIX
                + event
                + " AFTER "
                + event.toUpperCase()
                + " ON "
                + table
                + transitionTables
                + " FOR EACH STATEMENT EXECUTE FUNCTION query.note_hot_change("
                + arguments
                + ")");
        // Also while replaying logical replication (session_replication_role = replica).
        ddl.execute("ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER " + TRIGGER_PREFIX + event);
      }
    }
    try (PreparedStatement watch =
        c.prepareStatement(
            "INSERT INTO query.hot_watch (dataset, relation) VALUES (?, ?::regclass)"
                + " ON CONFLICT (dataset) DO UPDATE"
                + " SET relation = excluded.relation, since = clock_timestamp()")) {
      watch.setString(1, dataset.name());
      watch.setString(2, table);
      watch.executeUpdate();
    }
    LOG.infof("watching %s for changes to its hot days", table);
    return null;
  }

  /** Whether the dataset's table has the watch and its four triggers, enabled always. */
  private static boolean installed(Connection c, DatasetDefinition dataset) throws SQLException {
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT "
                + ENABLED_TRIGGERS
                + " FROM query.hot_watch w WHERE w.dataset = ? AND w.relation = ?::regclass")) {
      select.setString(1, dataset.name());
      select.setString(2, dataset.table());
      try (ResultSet rs = select.executeQuery()) {
        return rs.next() && rs.getInt(1) == EVENTS.size();
      }
    }
  }

  private static String timeType(ColumnType type) {
    return switch (type) {
      case TIMESTAMPTZ -> "timestamptz";
      case TIMESTAMP -> "timestamp";
      case DATE -> "date";
      default -> throw new IllegalArgumentException("not a time column type: " + type);
    };
  }

  /**
   * The states of the days {@code [first, end)} in the snapshot of {@code c}; empty if that
   * snapshot does not see the dataset's table watched, in which case this process installs the
   * triggers again at its next question.
   */
  public Optional<DayStates> states(
      Connection c, DatasetDefinition dataset, LocalDate first, LocalDate end) throws SQLException {
    String watch = null;
    long everyDay = 0;
    Map<LocalDate, Long> changes = new HashMap<>();
    boolean mergeDue = false;
    // One round trip: the watch, its enabled triggers, and one row per day with changes (or one
    // without a day and no changes, when no day in the range has any).
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT w.relation, w.since, "
                + ENABLED_TRIGGERS
                + """
                , h.day, sum(h.changes), count(h.changes)
                FROM query.hot_watch w
                LEFT JOIN query.hot_change h ON h.dataset = w.dataset
                  AND (h.day IS NULL OR h.day >= ? AND h.day < ?)
                WHERE w.dataset = ? AND w.relation = to_regclass(?)
                GROUP BY w.relation, w.since, h.day
                """)) {
      select.setDate(1, Date.valueOf(first));
      select.setDate(2, Date.valueOf(end));
      select.setString(3, dataset.name());
      select.setString(4, dataset.table());
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          if (rs.getInt(3) != EVENTS.size()) {
            break;
          }
          watch = rs.getLong(1) + "@" + rs.getObject(2, java.time.OffsetDateTime.class);
          long rows = rs.getLong(6);
          LocalDate day = rs.getObject(4, LocalDate.class);
          if (day != null) {
            changes.put(day, rs.getLong(5));
          } else if (rows > 0) {
            everyDay = rs.getLong(5);
          }
          mergeDue |= rows > MERGE_ABOVE_ROWS;
        }
      }
    }
    if (watch == null) {
      watched.remove(dataset.name());
      return Optional.empty();
    }
    if (mergeDue && merging.add(dataset.name())) {
      merger.execute(() -> merge(dataset.name()));
    }
    return Optional.of(new DayStates(watch, everyDay, changes));
  }

  /**
   * Merges each day's rows of the dataset into one holding their sum of changes, in one statement:
   * a snapshot sees either all the rows it merged or the one that replaced them, so that every
   * day's sum stays what it was in every snapshot.
   */
  private void merge(String dataset) {
    try {
      Transactions.inTransaction(
          dataSource,
          c -> {
            try (PreparedStatement merge =
                c.prepareStatement(
                    """
                    WITH merged AS (DELETE FROM query.hot_change WHERE dataset = ?
                                    RETURNING day, changes)
                    INSERT INTO query.hot_change (dataset, day, changes)
                    SELECT ?, day, sum(changes) FROM merged GROUP BY day
                    """)) {
              merge.setString(1, dataset);
              merge.setString(2, dataset);
              return merge.executeUpdate();
            }
          });
    } catch (RuntimeException e) {
      LOG.warnf(e, "could not merge the hot changes of %s; will try again", dataset);
    } finally {
      merging.remove(dataset);
    }
  }
}
