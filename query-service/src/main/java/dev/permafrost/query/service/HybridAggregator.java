package dev.permafrost.query.service;

import dev.permafrost.format.ColumnType;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.LifecycleMode;
import dev.permafrost.format.TableSchema;
import dev.permafrost.format.TimeBounds;
import dev.permafrost.query.config.QueryConfig;
import dev.permafrost.query.domain.AggregateAnswer;
import dev.permafrost.query.domain.Aggregation;
import dev.permafrost.query.domain.Aggregation.Bucket;
import dev.permafrost.query.domain.Aggregation.Filter;
import dev.permafrost.query.domain.Aggregation.GroupKey;
import dev.permafrost.query.domain.Aggregation.Metric;
import dev.permafrost.query.domain.ColdObject;
import dev.permafrost.query.persistence.ActiveChunks;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Answers an {@link Aggregation} over hot and cold rows as one table. The catalog's ACTIVE chunks
 * and the hot rows' partial aggregates are read in one REPEATABLE READ snapshot, so that each row
 * is counted in exactly one tier; the cold chunks' partial aggregates come from DuckDB over local
 * copies of their immutable objects, or over {@link MergedCopies} of whole months of them. The
 * parts of both tiers are merged per group, and only then ordered and cut: a top N is never taken
 * per tier. A top N by a sum or count over both tiers reads the cold tier's first 4N + 1 groups,
 * and then the cold parts of the few others, if any, that the hot rows may lift into it ({@link
 * TopBound}).
 *
 * <p>An offload dataset keeps every row hot (only heavy columns leave), so its answers read the hot
 * tier alone.
 */
@ApplicationScoped
public class HybridAggregator {

  private final DataSource dataSource;
  private final Datasets datasets;
  private final ActiveChunks activeChunks;
  private final ObjectCache cache;
  private final MergedCopies copies;
  private final ColdEngine engine;
  private final ColdAnswers coldAnswers;
  private final MonthRollups rollups;
  private final QueryHooks hooks;
  private final java.time.Duration coldTimeout;

  /** Cold parts are computed here, beside the request's own thread that reads the hot rows. */
  private final ExecutorService coldWorkers =
      Executors.newFixedThreadPool(4, DaemonThreads.named("cold-query"));

  private final TableSchemas schemas;
  private final HotChanges hotChanges;

  private final AtomicLong coldGroupsReadByValue = new AtomicLong();

  public HybridAggregator(
      DataSource dataSource,
      Datasets datasets,
      ActiveChunks activeChunks,
      ObjectCache cache,
      MergedCopies copies,
      ColdEngine engine,
      ColdAnswers coldAnswers,
      MonthRollups rollups,
      QueryHooks hooks,
      TableSchemas schemas,
      HotChanges hotChanges,
      QueryConfig config) {
    this.schemas = schemas;
    this.hotChanges = hotChanges;
    this.hooks = hooks;
    this.coldTimeout = config.coldTimeout();
    this.dataSource = dataSource;
    this.datasets = datasets;
    this.activeChunks = activeChunks;
    this.cache = cache;
    this.copies = copies;
    this.engine = engine;
    this.coldAnswers = coldAnswers;
    this.rollups = rollups;
  }

  /**
   * @throws ColdReadException naming the partition if a cold chunk cannot be read
   */
  public AggregateAnswer aggregate(Aggregation aggregation) {
    DatasetDefinition dataset = datasets.find(aggregation.dataset());
    boolean hotDaysKept =
        keepsHotDays(dataset, aggregation) && hotChanges.watch(dataset, schemas.of(dataset));
    Snapshot snapshot =
        Transactions.inSnapshot(
            dataSource, c -> readSnapshot(c, dataset, aggregation, hotDaysKept));
    PartialAggregates cold = join(snapshot.cold());
    PartialAggregates merged =
        snapshot.coldShape() == ColdShape.FIRST_ROWS
            ? mergedTop(dataset, aggregation, snapshot, cold)
            : merged(aggregation, snapshot.hot(), cold);
    return new AggregateAnswer(
        dataset.name(),
        aggregation.from(),
        aggregation.to(),
        aggregation.groups().stream().map(GroupKey::name).toList(),
        aggregation.metrics().stream().map(Metric::name).toList(),
        merged.finish(aggregation),
        (int) snapshot.coldObjects().stream().map(ColdObject::chunkId).distinct().count());
  }

  private static PartialAggregates merged(
      Aggregation aggregation, PartialAggregates hot, PartialAggregates cold) {
    PartialAggregates merged = new PartialAggregates(aggregation.metrics());
    merged.addAll(hot);
    merged.addAll(cold);
    return merged;
  }

  /**
   * The groups that can be in a top N over both tiers, when the cold tier gave its first groups
   * ({@code coldFirst}, see {@link Ranking#firstRowsOfBothTiers()}): those, and the others that
   * {@link TopBound} names, with their parts of both tiers; the others' cold parts are read by
   * their values, unless the cold tier has no more groups. When no bound holds, or it names too
   * many groups, every group of both tiers. Both reads are cold parts like the first, bound by
   * {@code cold-timeout}.
   */
  private PartialAggregates mergedTop(
      DatasetDefinition dataset,
      Aggregation aggregation,
      Snapshot snapshot,
      PartialAggregates coldFirst) {
    Ranking ranking = ranking(aggregation).orElseThrow();
    TableSchema schema = schemas.of(dataset);
    Optional<Set<List<Object>>> others =
        TopBound.candidates(
            coldFirst,
            ranking.firstRowsOfBothTiers(),
            snapshot.hot(),
            ranking.orderPart(),
            ranking.descending(),
            ranking.limit());
    boolean moreCold = coldFirst.size() == ranking.firstRowsOfBothTiers();
    if (others.isEmpty() || moreCold && others.get().size() > MAX_GROUPS_LOOKED_UP) {
      PartialAggregates everyCold =
          join(
              coldWorkers.submit(
                  () ->
                      coldParts(
                          dataset,
                          schema,
                          aggregation,
                          snapshot.coldObjects(),
                          snapshot.monthsObjects(),
                          ColdShape.ALL)));
      return merged(aggregation, snapshot.hot(), everyCold);
    }
    Set<List<Object>> candidates = new HashSet<>(coldFirst.groups());
    candidates.addAll(others.get());
    PartialAggregates merged = new PartialAggregates(aggregation.metrics());
    merged.addGroups(snapshot.hot(), candidates);
    merged.addAll(coldFirst);
    if (moreCold && !others.get().isEmpty()) {
      coldGroupsReadByValue.addAndGet(others.get().size());
      List<List<Object>> given = List.copyOf(others.get());
      merged.addAll(
          join(
              coldWorkers.submit(
                  () ->
                      queryColdByMonth(
                          dataset,
                          schema,
                          aggregation,
                          sql(Dialect.DUCKDB, dataset, schema, aggregation, "cold_rows"),
                          snapshot.coldObjects(),
                          snapshot.monthsObjects(),
                          ColdShape.GIVEN_GROUPS,
                          given))));
    }
    return merged;
  }

  /** How many cold groups tops over both tiers have read by their values, after their first. */
  public long coldGroupsReadByValue() {
    return coldGroupsReadByValue.get();
  }

  /**
   * At most this many cold groups are read by their values after a top N's first ones; a bound that
   * names more reads every cold group instead, in one query without parameters.
   */
  static final int MAX_GROUPS_LOOKED_UP = 1_000;

  /**
   * What one snapshot says: the hot rows' parts, which cold objects hold the other rows (those of
   * the range's whole months too), and their parts in {@code coldShape}, computed meanwhile.
   */
  private record Snapshot(
      PartialAggregates hot,
      List<ColdObject> coldObjects,
      List<ColdObject> monthsObjects,
      ColdShape coldShape,
      Future<PartialAggregates> cold) {}

  /** Which of a question's cold groups are read. */
  private enum ColdShape {
    /** Every group. */
    ALL,
    /**
     * The cold parts are the whole answer of a top N: only the groups that can be in it (see {@link
     * Ranking}).
     */
    RANKED,
    /**
     * A top N over both tiers: the first groups, see {@link Ranking#firstRowsOfBothTiers()} and
     * {@link TopBound}.
     */
    FIRST_ROWS,
    /** The groups given by their values. */
    GIVEN_GROUPS
  }

  private Snapshot readSnapshot(
      Connection c, DatasetDefinition dataset, Aggregation aggregation, boolean hotDaysKept)
      throws SQLException {
    TableSchema schema = schemas.of(dataset);
    // The range's whole months: a merged copy is read only for a month it holds all of.
    List<ColdObject> monthsObjects =
        dataset.mode() == LifecycleMode.OFFLOAD
            ? List.of()
            : activeChunks.overlapping(
                c,
                dataset.name(),
                MergedCopies.startOfMonth(aggregation.from()),
                MergedCopies.startOfNextMonth(aggregation.to()));
    List<ColdObject> coldObjects =
        monthsObjects.stream()
            .filter(o -> o.overlaps(aggregation.from(), aggregation.to()))
            .toList();
    hooks.afterSnapshot();
    // With no hot row in the question, the cold parts are the answer: DuckDB may rank them.
    boolean coldOnly = !coldObjects.isEmpty() && !anyHotRow(c, dataset, schema, aggregation);
    ColdShape shape = coldShape(coldOnly, schema, aggregation);
    // Cold objects never change: DuckDB computes their parts while PostgreSQL computes the hot.
    Future<PartialAggregates> cold =
        coldObjects.isEmpty()
            ? CompletableFuture.completedFuture(new PartialAggregates(aggregation.metrics()))
            : coldWorkers.submit(
                () -> coldParts(dataset, schema, aggregation, coldObjects, monthsObjects, shape));
    if (coldOnly) {
      return new Snapshot(
          new PartialAggregates(aggregation.metrics()), coldObjects, monthsObjects, shape, cold);
    }
    try {
      PartialAggregates hot =
          hotDaysKept
              ? hotPartsByDay(c, dataset, schema, aggregation)
              : hotParts(c, dataset, schema, aggregation);
      return new Snapshot(hot, coldObjects, monthsObjects, shape, cold);
    } catch (SQLException | RuntimeException e) {
      cold.cancel(true); // nobody will wait for it
      throw e;
    }
  }

  /** The hot rows' parts of the question, from the rows. */
  private static PartialAggregates hotParts(
      Connection c, DatasetDefinition dataset, TableSchema schema, Aggregation aggregation)
      throws SQLException {
    String sql = sql(Dialect.POSTGRES, dataset, schema, aggregation, dataset.table());
    try (PreparedStatement select = c.prepareStatement(sql)) {
      bindBoundsAndFilters(select, Dialect.POSTGRES, schema, dataset, aggregation, 1);
      return read(select, schema, aggregation);
    }
  }

  /**
   * Whether a question's hot parts are kept per UTC day: for a dataset whose rows leave, whose hot
   * tier is a few days, and a question with group keys. One without any answers one row even where
   * no row is, which the days' parts would not.
   */
  private static boolean keepsHotDays(DatasetDefinition dataset, Aggregation aggregation) {
    return dataset.mode() == LifecycleMode.MOVE && !aggregation.groups().isEmpty();
  }

  /**
   * The hot rows' parts of the question, each whole UTC day's from the answer cache when this
   * snapshot sees that day as the one that computed them did ({@link HotChanges}). Each run of
   * other days is read in one query grouped by day first, and kept; the part days at the range's
   * ends, if any, from their rows.
   */
  private PartialAggregates hotPartsByDay(
      Connection c, DatasetDefinition dataset, TableSchema schema, Aggregation aggregation)
      throws SQLException {
    LocalDate firstDay = LocalDate.ofInstant(aggregation.from(), ZoneOffset.UTC);
    if (startOf(firstDay).isBefore(aggregation.from())) {
      firstDay = firstDay.plusDays(1);
    }
    LocalDate endDay = LocalDate.ofInstant(aggregation.to(), ZoneOffset.UTC);
    long dayCount = firstDay.until(endDay, java.time.temporal.ChronoUnit.DAYS);
    if (dayCount <= 0 || !coldAnswers.fitsPartitions((int) Math.min(dayCount, 1 << 20))) {
      return hotParts(c, dataset, schema, aggregation);
    }
    Optional<HotChanges.DayStates> seen = hotChanges.states(c, dataset, firstDay, endDay);
    if (seen.isEmpty()) {
      return hotParts(c, dataset, schema, aggregation);
    }
    HotChanges.DayStates states = seen.get();
    String question = sql(Dialect.POSTGRES, dataset, schema, aggregation, dataset.table());
    Map<LocalDate, PartialAggregates> days = new TreeMap<>();
    List<LocalDate> missing = new ArrayList<>();
    for (LocalDate day = firstDay; day.isBefore(endDay); day = day.plusDays(1)) {
      Optional<PartialAggregates> kept =
          coldAnswers.hotDay(question, aggregation, day, states.of(day));
      if (kept.isPresent()) {
        days.put(day, kept.get());
      } else {
        missing.add(day);
      }
    }
    for (int start = 0, end; start < missing.size(); start = end) {
      end = start + 1;
      while (end < missing.size() && missing.get(end).equals(missing.get(end - 1).plusDays(1))) {
        end++;
      }
      List<LocalDate> run = missing.subList(start, end);
      Map<Object, PartialAggregates> byDay =
          hotParts(
                  c,
                  dataset,
                  schema,
                  dayFirst(dataset, aggregation)
                      .withRange(startOf(run.get(0)), startOf(run.get(run.size() - 1).plusDays(1))))
              .splitByFirstKey();
      for (LocalDate day : run) {
        PartialAggregates ofDay =
            byDay.getOrDefault(day, new PartialAggregates(aggregation.metrics()));
        coldAnswers.keepHotDay(question, aggregation, day, states.of(day), ofDay);
        days.put(day, ofDay);
      }
    }
    PartialAggregates wholeDays = mergedDays(question, aggregation, days, states);
    boolean partFirstDay = aggregation.from().isBefore(startOf(firstDay));
    boolean partLastDay = startOf(endDay).isBefore(aggregation.to());
    if (!partFirstDay && !partLastDay) {
      return wholeDays; // kept, so only read after
    }
    PartialAggregates hot = new PartialAggregates(aggregation.metrics());
    hot.addAll(wholeDays);
    if (partFirstDay) {
      hot.addAll(
          hotParts(
              c, dataset, schema, aggregation.withRange(aggregation.from(), startOf(firstDay))));
    }
    if (partLastDay) {
      hot.addAll(
          hotParts(c, dataset, schema, aggregation.withRange(startOf(endDay), aggregation.to())));
    }
    return hot;
  }

  /**
   * The parts of these days merged, kept too: keyed by the days that have any hot row and their
   * states, so that every window holding the same hot days (a dashboard's windows ending today)
   * shares one entry. The parts are only read after, as those of one day are.
   */
  private PartialAggregates mergedDays(
      String question,
      Aggregation aggregation,
      Map<LocalDate, PartialAggregates> days,
      HotChanges.DayStates states) {
    List<LocalDate> withRows =
        days.keySet().stream().filter(day -> days.get(day).size() > 0).toList();
    if (withRows.size() == 1) {
      return days.get(withRows.get(0));
    }
    List<String> dayStates = withRows.stream().map(day -> day + "=" + states.of(day)).toList();
    return coldAnswers.hotDays(
        question,
        aggregation,
        dayStates,
        () -> {
          PartialAggregates merged = new PartialAggregates(aggregation.metrics());
          withRows.forEach(day -> merged.addAll(days.get(day)));
          return merged;
        });
  }

  private static Instant startOf(LocalDate day) {
    return day.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /** The same question grouped by the UTC day of its rows first. */
  private static Aggregation dayFirst(DatasetDefinition dataset, Aggregation aggregation) {
    List<GroupKey> groups = new ArrayList<>();
    groups.add(GroupKey.bucket(dataset.timeColumn(), Bucket.DAY));
    groups.addAll(aggregation.groups());
    return aggregation.withGroups(groups);
  }

  /**
   * How many cold groups a question reads: a top N whose cold parts are its whole answer only those
   * that can be in it, and one over both tiers its first 4N + 1 when {@link TopBound} can bound the
   * others: a sum or count of whole numbers first in the order, and one group key whose values bind
   * back exactly.
   */
  private static ColdShape coldShape(
      boolean coldOnly, TableSchema schema, Aggregation aggregation) {
    Optional<Ranking> ranking = ranking(aggregation);
    if (ranking.isEmpty()) {
      return ColdShape.ALL;
    }
    if (coldOnly) {
      return ColdShape.RANKED;
    }
    Metric first = ranking.get().orderMetric();
    boolean wholeNumbers =
        first.function() == Aggregation.Function.COUNT
            || first.function() == Aggregation.Function.SUM
                && isIntegral(typeOf(schema, first.column()));
    boolean oneExactKey =
        aggregation.groups().size() == 1
            && aggregation.groups().get(0).bucket() == Bucket.NONE
            && EXACT_GROUP_TYPES.contains(typeOf(schema, aggregation.groups().get(0).column()));
    return wholeNumbers && oneExactKey ? ColdShape.FIRST_ROWS : ColdShape.ALL;
  }

  /** Types whose group values, as {@link #groupValue} reads them, bind back to the same value. */
  private static final Set<ColumnType> EXACT_GROUP_TYPES =
      Set.of(
          ColumnType.SMALLINT,
          ColumnType.INTEGER,
          ColumnType.BIGINT,
          ColumnType.BOOLEAN,
          ColumnType.TEXT,
          ColumnType.DATE,
          ColumnType.UUID);

  /**
   * Whether any hot row lies in the question's range and passes its filters; stops at the first.
   */
  private static boolean anyHotRow(
      Connection c, DatasetDefinition dataset, TableSchema schema, Aggregation aggregation)
      throws SQLException {
    String where = where(Dialect.POSTGRES, dataset, schema, aggregation);
    try (PreparedStatement probe =
        c.prepareStatement("SELECT 1 FROM " + dataset.table() + where + " LIMIT 1")) {
      bindBoundsAndFilters(probe, Dialect.POSTGRES, schema, dataset, aggregation, 1);
      try (ResultSet rs = probe.executeQuery()) {
        return rs.next();
      }
    }
  }

  /**
   * Binds the time bounds of one query of {@link #sql} to {@code ?} {@code first} and the next,
   * then its filter values; returns the index after them. PostgreSQL's driver binds the bounds
   * typed; DuckDB gets them as text in the time column's type.
   */
  private static int bindBoundsAndFilters(
      PreparedStatement select,
      Dialect dialect,
      TableSchema schema,
      DatasetDefinition dataset,
      Aggregation aggregation,
      int first)
      throws SQLException {
    ColumnType timeType = typeOf(schema, dataset.timeColumn());
    if (dialect == Dialect.POSTGRES) {
      TimeBounds.bind(select, first, timeType, aggregation.from());
      TimeBounds.bind(select, first + 1, timeType, aggregation.to());
    } else {
      select.setString(first, duckLiteral(timeType, aggregation.from()));
      select.setString(first + 1, duckLiteral(timeType, aggregation.to()));
    }
    return bindFilters(select, first + 2, aggregation);
  }

  /**
   * The cold parts, once computed; a cold read error is rethrown as it was raised, and a cold part
   * that takes longer than {@code cold-timeout} is one.
   */
  private PartialAggregates join(Future<PartialAggregates> cold) {
    try {
      return cold.get(coldTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      cold.cancel(true);
      throw new ColdReadException(
          "cold chunks were not read within " + coldTimeout + " (permafrost.query.cold-timeout)",
          e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading cold chunks", e);
    }
  }

  /**
   * The cold chunks' parts, from the answer cache when these very objects were asked before: per
   * partition for a question per day or hour, else for the whole question, whose months covered
   * whole may come from {@link MonthRollups}. A question that is not per partition reads the groups
   * of its {@code shape}.
   */
  private PartialAggregates coldParts(
      DatasetDefinition dataset,
      TableSchema schema,
      Aggregation aggregation,
      List<ColdObject> objects,
      List<ColdObject> monthsObjects,
      ColdShape shape) {
    // The question as DuckDB gets it, less the file list: with the objects, the answer's key.
    String question = sql(Dialect.DUCKDB, dataset, schema, aggregation, "cold_rows");
    List<ColdPartitions.Partition> partitions = ColdPartitions.of(objects);
    OptionalInt bucketGroup = ColdPartitions.alignedBucket(dataset, aggregation, partitions);
    if (bucketGroup.isPresent() && coldAnswers.fitsPartitions(partitions.size())) {
      return coldPartsByPartition(
          dataset,
          schema,
          aggregation,
          question,
          bucketGroup.getAsInt(),
          partitions,
          monthsObjects);
    }
    Optional<Ranking> ranking = ranking(aggregation);
    String answerKey =
        switch (shape) {
          case RANKED -> ranking.orElseThrow().withTies(question);
          case FIRST_ROWS -> ranking.orElseThrow().firstRowsOfBothTiers(question);
          default -> question;
        };
    return coldAnswers.computeIfAbsent(
        answerKey,
        aggregation,
        objects,
        () ->
            queryColdByMonth(
                dataset, schema, aggregation, question, objects, monthsObjects, shape, List.of()));
  }

  /**
   * The cold parts of a question that is not per day or hour: each month the range covers whole,
   * and each week or day of the others (see {@link ColdPartitions#keptPieces}), from its kept parts
   * ({@link MonthRollups}) once they are built; the other days from their rows. A piece read from
   * its rows has its parts built in the background for the next question. Reads the groups of
   * {@code shape}: for {@link ColdShape#GIVEN_GROUPS}, {@code groups}.
   */
  private PartialAggregates queryColdByMonth(
      DatasetDefinition dataset,
      TableSchema schema,
      Aggregation aggregation,
      String question,
      List<ColdObject> objects,
      List<ColdObject> monthsObjects,
      ColdShape shape,
      List<List<Object>> groups) {
    Map<MonthRollups.Key, Piece> pieces = new LinkedHashMap<>();
    for (List<ColdObject> ofMonth : MergedCopies.byMonth(monthsObjects).values()) {
      for (List<ColdObject> piece :
          ColdPartitions.keptPieces(ofMonth, aggregation.from(), aggregation.to())) {
        pieces.put(MonthRollups.Key.of(question, aggregation, piece), new Piece(piece, ofMonth));
      }
    }
    try (MonthRollups.Lease kept = rollups.lease(pieces.keySet())) {
      Set<String> fromParts = new HashSet<>();
      pieces.forEach(
          (key, piece) -> {
            if (kept.holds(key)) {
              fromParts.addAll(key.objects());
            } else {
              rollups.queueBuild(
                  key,
                  (duck, table) ->
                      buildPieceParts(duck, table, dataset, schema, aggregation, piece));
            }
          });
      List<ColdObject> fromRows =
          objects.stream().filter(o -> !fromParts.contains(o.sha256())).toList();
      List<ColdPartitions.Range> ranges =
          ColdPartitions.rowRanges(objects, fromParts, aggregation.from(), aggregation.to());
      return queryCold(
          dataset,
          schema,
          aggregation,
          fromRows,
          ranges,
          monthsObjects,
          shape,
          groups,
          kept.tables());
    }
  }

  /** A month, a week or a day whose parts are kept: its objects, and all those of its month. */
  private record Piece(List<ColdObject> objects, List<ColdObject> ofMonth) {}

  /** Computes the parts of every row of one piece of a month into the new table {@code table}. */
  private void buildPieceParts(
      Connection duck,
      String table,
      DatasetDefinition dataset,
      TableSchema schema,
      Aggregation aggregation,
      Piece piece)
      throws SQLException {
    List<ColdObject> objects = piece.objects();
    Instant start =
        objects.stream()
            .map(ColdObject::partitionStart)
            .min(Comparator.naturalOrder())
            .orElseThrow();
    Instant end =
        objects.stream().map(ColdObject::partitionEnd).max(Comparator.naturalOrder()).orElseThrow();
    Aggregation wholePiece = aggregation.withRange(start, end);
    try (MergedCopies.Sources sources = copies.sources(dataset, start, objects, piece.ofMonth());
        ObjectCache.Lease files = cache.lease(sources.chunkObjects());
        PreparedStatement create =
            duck.prepareStatement(
                "CREATE TABLE \""
                    + table
                    + "\" AS "
                    + sql(
                        Dialect.DUCKDB,
                        dataset,
                        schema,
                        wholePiece,
                        readParquet(sources, files)))) {
      bindBoundsAndFilters(create, Dialect.DUCKDB, schema, dataset, wholePiece, 1);
      create.execute();
    }
  }

  /** The files of a cold question as DuckDB reads them. */
  private static String readParquet(MergedCopies.Sources sources, ObjectCache.Lease files) {
    List<Path> read = new ArrayList<>(sources.copyFiles());
    read.addAll(files.paths());
    return "read_parquet(" + ObjectCache.duckDbList(read) + ", hive_partitioning = false)";
  }

  /**
   * The parts of the kept tables {@code tables} and of the row queries {@code fromRows} merged per
   * group, in the columns of a partial aggregate query.
   */
  private static String mergedParts(
      TableSchema schema, Aggregation aggregation, List<String> tables, List<String> fromRows) {
    List<String> inputs = new ArrayList<>();
    tables.forEach(table -> inputs.add("(SELECT * FROM " + table + ")"));
    fromRows.forEach(rows -> inputs.add("(" + rows + ")"));
    List<String> columns = new ArrayList<>();
    List<String> select = new ArrayList<>();
    for (int i = 1; i <= aggregation.groups().size(); i++) {
      columns.add("g" + i);
      select.add("g" + i);
    }
    int part = 0;
    for (Metric metric : aggregation.metrics()) {
      for (int i = 0; i < PartialAggregates.partsOf(metric); i++) {
        String column = "p" + ++part;
        columns.add(column);
        select.add(mergeExpression(metric, i, schema, column) + " AS " + partAlias(part));
      }
    }
    StringBuilder sql =
        new StringBuilder("SELECT ")
            .append(String.join(", ", select))
            .append(" FROM (")
            .append(String.join(" UNION ALL ", inputs))
            .append(") AS month_parts(")
            .append(String.join(", ", columns))
            .append(")");
    return sql.append(groupBy(aggregation)).toString();
  }

  /** {@code GROUP BY} the aggregation's group keys, the first columns, by position; or nothing. */
  private static String groupBy(Aggregation aggregation) {
    StringBuilder groupBy = new StringBuilder();
    for (int i = 1; i <= aggregation.groups().size(); i++) {
      groupBy.append(i == 1 ? " GROUP BY " : ", ").append(i);
    }
    return groupBy.toString();
  }

  /** How parts of the same group from several months add up, in the type each part has. */
  private static String mergeExpression(
      Metric metric, int part, TableSchema schema, String column) {
    boolean integral = metric.column() == null || isIntegral(typeOf(schema, metric.column()));
    return switch (metric.function()) {
      case SUM -> integral ? "CAST(sum(" + column + ") AS BIGINT)" : "sum(" + column + ")";
      case COUNT -> "CAST(sum(" + column + ") AS BIGINT)";
      case MIN -> "min(" + column + ")";
      case MAX -> "max(" + column + ")";
      case AVG -> part == 0 ? "sum(" + column + ")" : "CAST(sum(" + column + ") AS BIGINT)";
    };
  }

  /**
   * The cold parts of a question per day or hour (see {@link ColdPartitions#alignedBucket}): each
   * partition's parts from the answer cache, and those of the partitions it lacks from one DuckDB
   * query over all of their rows, kept for the next range.
   */
  private PartialAggregates coldPartsByPartition(
      DatasetDefinition dataset,
      TableSchema schema,
      Aggregation aggregation,
      String question,
      int bucketGroup,
      List<ColdPartitions.Partition> partitions,
      List<ColdObject> monthsObjects) {
    Predicate<List<Object>> inRange =
        group -> {
          Instant bucket = ColdPartitions.bucketStart(group.get(bucketGroup));
          return bucket != null
              && !bucket.isBefore(aggregation.from())
              && bucket.isBefore(aggregation.to());
        };
    PartialAggregates parts = new PartialAggregates(aggregation.metrics());
    List<ColdPartitions.Partition> missing = new ArrayList<>();
    for (ColdPartitions.Partition partition : partitions) {
      coldAnswers
          .partition(question, aggregation, partition.objects())
          .ifPresentOrElse(cached -> parts.addAll(cached, inRange), () -> missing.add(partition));
    }
    if (missing.isEmpty()) {
      return parts;
    }
    Aggregation wholePartitions =
        aggregation.withRange(missing.get(0).start(), missing.get(missing.size() - 1).end());
    List<ColdObject> missingObjects =
        missing.stream().flatMap(partition -> partition.objects().stream()).toList();
    // A merged copy holds the month's other partitions too: their rows are left out here.
    Map<Integer, PartialAggregates> shares =
        queryCold(
                dataset,
                schema,
                wholePartitions,
                missingObjects,
                List.of(new ColdPartitions.Range(wholePartitions.from(), wholePartitions.to())),
                monthsObjects,
                ColdShape.ALL,
                List.of(),
                List.of())
            .split(
                group ->
                    ColdPartitions.indexHolding(
                        missing, ColdPartitions.bucketStart(group.get(bucketGroup))));
    for (int i = 0; i < missing.size(); i++) {
      // A partition without a group of the question keeps its empty parts too.
      PartialAggregates share =
          shares.getOrDefault(i, new PartialAggregates(aggregation.metrics()));
      coldAnswers.keepPartition(question, aggregation, missing.get(i).objects(), share);
      parts.addAll(share, inRange);
    }
    return parts;
  }

  /**
   * How DuckDB keeps only the cold groups that can be in a question's top N: {@link #firstRows} are
   * the first N + 1 groups of a partial aggregate query by the question's order ({@code orderBy}),
   * which DuckDB finds with a heap rather than by sorting every group. When the cold parts are the
   * whole answer, no group left out can be among the first N unless the N-th and the next are tied
   * in the order's first key; at such a tie, {@link #withTies} gives every group ranked within N,
   * ties included. Java still makes the exact order and cut. {@code orderMetric} is the order's
   * first metric, whose one part is {@code orderPart}.
   */
  private record Ranking(
      String orderBy, Metric orderMetric, int orderPart, boolean descending, int limit) {

    String firstRows(String sql) {
      return first(sql, limit + 1);
    }

    /**
     * How many first cold groups a top N over both tiers reads (see {@link TopBound}): more than N
     * + 1, so that the last of them lies far enough below the N-th that the hot rows seldom lift
     * another group over it, and still few to read.
     */
    int firstRowsOfBothTiers() {
      return 4 * limit + 1;
    }

    String firstRowsOfBothTiers(String sql) {
      return first(sql, firstRowsOfBothTiers());
    }

    private String first(String sql, int rows) {
      return sql + " ORDER BY " + orderBy + " LIMIT " + rows;
    }

    String withTies(String sql) {
      return "SELECT * FROM ("
          + sql
          + ") AS parts QUALIFY rank() OVER (ORDER BY "
          + orderBy
          + ") <= "
          + limit;
    }

    boolean tiedAtCut(PartialAggregates firstRows) {
      return firstRows.tiedAt(orderPart, descending, limit);
    }
  }

  /**
   * The ranking of a question's partial aggregate queries, if it would be exact: an order by
   * metrics whose finished value is their one part (not an average), over one limit (not per
   * group); text order may differ between the engines.
   */
  private static Optional<Ranking> ranking(Aggregation aggregation) {
    if (aggregation.perGroupLimit().isPresent() || aggregation.order().isEmpty()) {
      return Optional.empty();
    }
    List<String> order = new ArrayList<>();
    Metric firstMetric = null;
    int firstPart = 0;
    for (Aggregation.Order by : aggregation.order()) {
      int part = 0;
      Metric ordered = null;
      for (Metric metric : aggregation.metrics()) {
        if (metric.name().equals(by.name())) {
          ordered = metric;
          break;
        }
        part += PartialAggregates.partsOf(metric);
      }
      if (ordered == null || ordered.function() == Aggregation.Function.AVG) {
        return Optional.empty();
      }
      if (firstMetric == null) {
        firstMetric = ordered;
        firstPart = part;
      }
      order.add(partAlias(part + 1) + (by.descending() ? " DESC" : " ASC") + " NULLS LAST");
    }
    return Optional.of(
        new Ranking(
            String.join(", ", order),
            firstMetric,
            firstPart,
            aggregation.order().get(0).descending(),
            aggregation.limit()));
  }

  /**
   * The cold parts of the rows of {@code objects} in {@code ranges} of the question's range, one
   * DuckDB query per range, merged with those kept in {@code tables} if any; the groups of {@code
   * shape} (for {@link ColdShape#GIVEN_GROUPS}, {@code groups}).
   */
  private PartialAggregates queryCold(
      DatasetDefinition dataset,
      TableSchema schema,
      Aggregation aggregation,
      List<ColdObject> objects,
      List<ColdPartitions.Range> ranges,
      List<ColdObject> monthsObjects,
      ColdShape shape,
      List<List<Object>> groups,
      List<String> tables) {
    try (MergedCopies.Sources sources =
            copies.sources(dataset, aggregation.from(), objects, monthsObjects);
        ObjectCache.Lease files = cache.lease(sources.chunkObjects());
        ColdEngine.Session duck = engine.session()) {
      // Each range reads all the files; the files' statistics let DuckDB skip the others' rows.
      String source = readParquet(sources, files);
      List<Aggregation> ofRanges =
          ranges.stream().map(range -> aggregation.withRange(range.from(), range.to())).toList();
      List<String> fromRows =
          ofRanges.stream().map(a -> sql(Dialect.DUCKDB, dataset, schema, a, source)).toList();
      String sql =
          tables.isEmpty() && fromRows.size() == 1
              ? fromRows.get(0)
              : mergedParts(schema, aggregation, tables, fromRows);
      SqlFunction<String, PartialAggregates> select =
          query -> {
            PreparedStatement statement = duck.prepare(query);
            int next = 1;
            for (Aggregation ofRange : ofRanges) {
              next =
                  bindBoundsAndFilters(statement, Dialect.DUCKDB, schema, dataset, ofRange, next);
            }
            for (List<Object> group : groups) {
              if (group.get(0) != null) {
                bindValue(statement, next++, group.get(0));
              }
            }
            return read(statement, schema, aggregation);
          };
      try {
        return switch (shape) {
          case ALL -> select.apply(sql);
          case FIRST_ROWS ->
              select.apply(ranking(aggregation).orElseThrow().firstRowsOfBothTiers(sql));
          case RANKED -> {
            Ranking ranking = ranking(aggregation).orElseThrow();
            PartialAggregates firstRows = select.apply(ranking.firstRows(sql));
            yield ranking.tiedAtCut(firstRows) ? select.apply(ranking.withTies(sql)) : firstRows;
          }
          case GIVEN_GROUPS -> select.apply(ofGroups(sql, schema, aggregation, groups));
        };
      } catch (SQLException | RuntimeException e) {
        duck.failed();
        throw e;
      }
    } catch (SQLException e) {
      throw new ColdReadException(
          "cold chunks of " + dataset.name() + " could not be queried: " + e.getMessage(), e);
    }
  }

  /**
   * The rows of the partial aggregate query {@code sql} (one group key) whose group is one of
   * {@code groups}: {@code ?} per value that is not null, after those of {@code sql}.
   */
  private static String ofGroups(
      String sql, TableSchema schema, Aggregation aggregation, List<List<Object>> groups) {
    List<String> columns = new ArrayList<>(List.of("g1"));
    int parts = aggregation.metrics().stream().mapToInt(PartialAggregates::partsOf).sum();
    for (int part = 1; part <= parts; part++) {
      columns.add("p" + part);
    }
    String value = parameter(typeOf(schema, aggregation.groups().get(0).column()));
    List<String> matches = new ArrayList<>();
    String values =
        groups.stream()
            .filter(group -> group.get(0) != null)
            .map(group -> value)
            .collect(Collectors.joining(", "));
    if (!values.isEmpty()) {
      matches.add("g1 IN (" + values + ")");
    }
    if (groups.stream().anyMatch(group -> group.get(0) == null)) {
      matches.add("g1 IS NULL");
    }
    return "SELECT * FROM ("
        + sql
        + ") AS parts("
        + String.join(", ", columns)
        + ") WHERE "
        + String.join(" OR ", matches);
  }

  @FunctionalInterface
  private interface SqlFunction<T, R> {
    R apply(T input) throws SQLException;
  }

  private enum Dialect {
    POSTGRES,
    DUCKDB
  }

  /**
   * The partial aggregate query of one tier: {@code ?} 1 and 2 are the time bounds, then one per
   * filter value. Names are quoted and come from the checked aggregation only.
   */
  private static String sql(
      Dialect dialect,
      DatasetDefinition dataset,
      TableSchema schema,
      Aggregation aggregation,
      String source) {
    List<String> select = new ArrayList<>();
    for (GroupKey group : aggregation.groups()) {
      select.add(groupExpression(dialect, group, typeOf(schema, group.column())));
    }
    int part = 0;
    for (Metric metric : aggregation.metrics()) {
      for (String expression : partExpressions(metric, schema)) {
        select.add(expression + " AS " + partAlias(++part)); // named for ranking
      }
    }
    StringBuilder sql =
        new StringBuilder("SELECT ")
            .append(String.join(", ", select))
            .append(" FROM ")
            .append(source)
            .append(where(dialect, dataset, schema, aggregation));
    return sql.append(groupBy(aggregation)).toString();
  }

  /** The rows of the question: {@code ?} 1 and 2 are the time bounds, then the filter values. */
  private static String where(
      Dialect dialect, DatasetDefinition dataset, TableSchema schema, Aggregation aggregation) {
    String time = DatasetDefinition.quote(dataset.timeColumn());
    // PostgreSQL's driver binds bounds typed; DuckDB gets them as text in the column's type.
    String bound =
        dialect == Dialect.POSTGRES
            ? "?"
            : "CAST(? AS " + duckType(typeOf(schema, dataset.timeColumn())) + ")";
    StringBuilder where =
        new StringBuilder(" WHERE ")
            .append(time)
            .append(" >= ")
            .append(bound)
            .append(" AND ")
            .append(time)
            .append(" < ")
            .append(bound);
    for (Filter filter : aggregation.filters()) {
      where.append(" AND ").append(condition(filter, typeOf(schema, filter.column())));
    }
    return where.toString();
  }

  /** A name no column of a table is likely to have. */
  private static String partAlias(int part) {
    return "\"__permafrost_part_" + part + "\"";
  }

  private static String groupExpression(Dialect dialect, GroupKey group, ColumnType type) {
    String column = DatasetDefinition.quote(group.column());
    return switch (group.bucket()) {
      case NONE -> column;
      case DAY ->
          dialect == Dialect.DUCKDB
              ? "CAST(" + column + " AS DATE)"
              : switch (type) {
                case TIMESTAMPTZ -> "(" + column + " AT TIME ZONE 'UTC')::date";
                case TIMESTAMP -> column + "::date";
                default -> column;
              };
      case HOUR ->
          dialect == Dialect.DUCKDB
              ? "date_trunc('hour', CAST(" + column + " AS TIMESTAMP))"
              : type == ColumnType.TIMESTAMPTZ
                  ? "date_trunc('hour', " + column + " AT TIME ZONE 'UTC')"
                  : "date_trunc('hour', " + column + ")";
    };
  }

  /** The same expressions in both engines: sums of integers as bigint, of floats as float8. */
  private static List<String> partExpressions(Metric metric, TableSchema schema) {
    if (metric.column() == null) {
      return List.of("count(*)");
    }
    String column = DatasetDefinition.quote(metric.column());
    boolean integral = isIntegral(typeOf(schema, metric.column()));
    return switch (metric.function()) {
      // Floats are added and compared as float8 in both engines: PostgreSQL would add a real
      // column in single precision, DuckDB in double.
      case SUM ->
          List.of(
              integral
                  ? "CAST(sum(" + column + ") AS BIGINT)"
                  : "sum(CAST(" + column + " AS FLOAT8))");
      case COUNT -> List.of("count(" + column + ")");
      case MIN -> List.of(integral ? "min(" + column + ")" : "CAST(min(" + column + ") AS FLOAT8)");
      case MAX -> List.of(integral ? "max(" + column + ")" : "CAST(max(" + column + ") AS FLOAT8)");
      case AVG -> List.of("sum(CAST(" + column + " AS FLOAT8))", "count(" + column + ")");
    };
  }

  private static String condition(Filter filter, ColumnType type) {
    String column = DatasetDefinition.quote(filter.column());
    String value = parameter(type);
    return switch (filter.operator()) {
      case EQUALS -> column + " = " + value;
      case IN -> column + " IN (" + placeholders(filter, value) + ")";
      // None of the values: a row without a value is none of them, so it stays.
      case NOT_IN ->
          "(" + column + " IS NULL OR " + column + " NOT IN (" + placeholders(filter, value) + "))";
      case RANGE -> {
        List<String> bounds = new ArrayList<>();
        if (filter.values().get(0) != null) {
          bounds.add(column + " >= " + value);
        }
        if (filter.values().get(1) != null) {
          bounds.add(column + " <= " + value);
        }
        yield "(" + String.join(" AND ", bounds) + ")";
      }
    };
  }

  private static String placeholders(Filter filter, String value) {
    return filter.values().stream().map(v -> value).collect(Collectors.joining(", "));
  }

  /**
   * A bound value, cast to its column's own type: DuckDB pushes a filter down into the Parquet
   * scan, and skips row groups by their statistics, only when both sides have the same type.
   */
  private static String parameter(ColumnType type) {
    return switch (type) {
      case SMALLINT -> "CAST(? AS SMALLINT)";
      case INTEGER -> "CAST(? AS INTEGER)";
      case BIGINT -> "CAST(? AS BIGINT)";
      case REAL -> "CAST(? AS REAL)";
      case DOUBLE -> "CAST(? AS FLOAT8)";
      case DATE -> "CAST(? AS DATE)";
      case UUID -> "CAST(? AS UUID)";
      default -> "?";
    };
  }

  private static int bindFilters(PreparedStatement select, int first, Aggregation aggregation)
      throws SQLException {
    int index = first;
    for (Filter filter : aggregation.filters()) {
      for (Object value : filter.values()) {
        if (value != null) { // else an open end of a range
          bindValue(select, index++, value);
        }
      }
    }
    return index;
  }

  /** Binds a filter's or group's value to {@code ?} of {@link #parameter}. */
  private static void bindValue(PreparedStatement select, int index, Object value)
      throws SQLException {
    if (value instanceof Long number) {
      select.setLong(index, number);
    } else if (value instanceof Double number) {
      select.setDouble(index, number);
    } else if (value instanceof Boolean flag) {
      select.setBoolean(index, flag);
    } else {
      select.setString(index, value.toString()); // text, dates, uuids
    }
  }

  private static PartialAggregates read(
      PreparedStatement select, TableSchema schema, Aggregation aggregation) throws SQLException {
    PartialAggregates parts = new PartialAggregates(aggregation.metrics());
    int partCount = aggregation.metrics().stream().mapToInt(PartialAggregates::partsOf).sum();
    try (ResultSet rs = select.executeQuery()) {
      while (rs.next()) {
        List<Object> group = new ArrayList<>(aggregation.groups().size());
        int column = 1;
        for (GroupKey key : aggregation.groups()) {
          group.add(groupValue(rs, column++, key, typeOf(schema, key.column())));
        }
        Object[] values = new Object[partCount];
        int part = 0;
        for (Metric metric : aggregation.metrics()) {
          boolean integral =
              metric.column() == null
                  || metric.function() == Aggregation.Function.COUNT
                  || isIntegral(typeOf(schema, metric.column()));
          for (int i = 0; i < PartialAggregates.partsOf(metric); i++) {
            // An average's second part is a count, whatever the column.
            boolean whole = integral && metric.function() != Aggregation.Function.AVG || i == 1;
            values[part++] = number(rs, column++, whole);
          }
        }
        parts.add(group, values);
      }
    }
    return parts;
  }

  /**
   * A group's value, alike from both engines: integers as Long, days as dates, hours as instants.
   */
  private static Object groupValue(ResultSet rs, int column, GroupKey key, ColumnType type)
      throws SQLException {
    if (key.bucket() == Bucket.DAY) {
      return rs.getObject(column, LocalDate.class);
    }
    if (key.bucket() == Bucket.HOUR) {
      LocalDateTime hour = rs.getObject(column, LocalDateTime.class);
      return hour == null ? null : hour.toInstant(ZoneOffset.UTC);
    }
    Object value =
        switch (type) {
          case SMALLINT, INTEGER, BIGINT -> rs.getLong(column);
          case BOOLEAN -> rs.getBoolean(column);
          case DATE -> rs.getObject(column, LocalDate.class);
          case UUID -> {
            String text = rs.getString(column);
            yield text == null ? null : text.toLowerCase();
          }
          default -> rs.getString(column);
        };
    return rs.wasNull() ? null : value;
  }

  private static Object number(ResultSet rs, int column, boolean whole) throws SQLException {
    Object value = whole ? (Object) rs.getLong(column) : (Object) rs.getDouble(column);
    return rs.wasNull() ? null : value;
  }

  static boolean isIntegral(ColumnType type) {
    return type == ColumnType.SMALLINT || type == ColumnType.INTEGER || type == ColumnType.BIGINT;
  }

  private static ColumnType typeOf(TableSchema schema, String column) {
    return schema.column(schema.indexOf(column)).type();
  }

  private static String duckType(ColumnType timeType) {
    return switch (timeType) {
      case DATE -> "DATE";
      case TIMESTAMP -> "TIMESTAMP";
      default -> "TIMESTAMPTZ";
    };
  }

  /** A boundary as text in the time column's own type, read as UTC like the hot side does. */
  private static String duckLiteral(ColumnType timeType, Instant instant) {
    return switch (timeType) {
      case DATE -> LocalDate.ofInstant(instant, ZoneOffset.UTC).toString();
      case TIMESTAMP -> LocalDateTime.ofInstant(instant, ZoneOffset.UTC).toString();
      default -> instant.toString();
    };
  }

  @PreDestroy
  void stop() {
    coldWorkers.shutdownNow();
  }
}
