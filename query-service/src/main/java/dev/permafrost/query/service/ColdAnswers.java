package dev.permafrost.query.service;

import dev.permafrost.query.config.QueryConfig;
import dev.permafrost.query.domain.Aggregation;
import dev.permafrost.query.domain.ColdObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The cold tier's partial aggregates of recent questions, keyed by the question and by the exact
 * set of objects the catalog snapshot named. Objects are immutable and named by their SHA-256, and
 * every re-archive, restore, compaction or erasure changes which objects are ACTIVE, so an entry
 * can never answer for a catalog state other than its own: a changed state is a different key. For
 * a range that is entirely cold, a repeated question costs one catalog and one index lookup.
 *
 * <p>It also keeps the hot tier's parts of whole UTC days, keyed by the day's state as {@link
 * HotChanges} tells it: a day whose hot rows changed has a new state, so a new key.
 *
 * <p>An entry holds the parts of either a whole question over its range, or one partition of a
 * question per day or hour, over the whole partition: those serve every later range that covers the
 * partition, so that a window that slides by a day computes only its new day.
 */
@ApplicationScoped
public class ColdAnswers {

  /**
   * What an entry holds the parts of: a whole question, every row of one partition, or every hot
   * row of one UTC day.
   */
  private enum Scope {
    QUESTION,
    PARTITION,
    HOT_DAY,
    HOT_DAYS
  }

  /**
   * @param objects the SHA-256 of the cold objects read; for a hot day, the day and its state; for
   *     hot days merged, each day and its state
   */
  private record Key(Scope scope, String sql, List<Object> parameters, List<String> objects) {}

  private final Map<Key, PartialAggregates> answers;
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong partitionHits = new AtomicLong();
  private final AtomicLong hotDayHits = new AtomicLong();
  private final AtomicLong hotDaysHits = new AtomicLong();

  /**
   * At most this many groups over all answers kept, so that a few answers with very many groups
   * (every path of a year) cannot fill the heap.
   */
  static final long MAX_GROUPS = 2_000_000;

  private final int capacity;
  private long groups;

  public ColdAnswers(QueryConfig config) {
    this.capacity = config.coldAnswers();
    this.answers = new LinkedHashMap<>(64, 0.75f, true);
  }

  /** The parts cached for this question over these objects, or those {@code query} gives. */
  PartialAggregates computeIfAbsent(
      String sql,
      Aggregation aggregation,
      List<ColdObject> objects,
      Supplier<PartialAggregates> query) {
    List<Object> parameters = new ArrayList<>();
    parameters.add(aggregation.from());
    parameters.add(aggregation.to());
    parameters.addAll(filterValues(aggregation));
    return keptOrComputed(new Key(Scope.QUESTION, sql, parameters, sha256s(objects)), hits, query);
  }

  /**
   * The parts kept under {@code key}, counted in {@code hitCount}, or those {@code compute} gives.
   */
  private PartialAggregates keptOrComputed(
      Key key, AtomicLong hitCount, Supplier<PartialAggregates> compute) {
    Optional<PartialAggregates> cached = kept(key, hitCount);
    if (cached.isPresent()) {
      return cached.get();
    }
    // Outside the lock: a slow query must not hold up the others. Two requests asking the same
    // at once both compute it; the answers are equal.
    PartialAggregates computed = compute.get();
    keep(key, computed);
    return computed;
  }

  private Optional<PartialAggregates> kept(Key key, AtomicLong hitCount) {
    synchronized (answers) {
      PartialAggregates cached = answers.get(key);
      if (cached != null) {
        hitCount.incrementAndGet();
      }
      return Optional.ofNullable(cached);
    }
  }

  /**
   * The parts of every row of one partition, whose ACTIVE objects are {@code objects}, for the
   * question {@code sql} without its time bounds, if kept.
   */
  Optional<PartialAggregates> partition(
      String sql, Aggregation aggregation, List<ColdObject> objects) {
    return kept(partitionKey(sql, aggregation, objects), partitionHits);
  }

  /** Keeps the parts of every row of one partition; see {@link #partition}. */
  void keepPartition(
      String sql, Aggregation aggregation, List<ColdObject> objects, PartialAggregates parts) {
    keep(partitionKey(sql, aggregation, objects), parts);
  }

  /**
   * The parts of every hot row of one UTC day, for the question {@code sql} without its time
   * bounds, if kept from a snapshot that saw the day in the same {@code state} (see {@link
   * HotChanges}).
   */
  Optional<PartialAggregates> hotDay(
      String sql, Aggregation aggregation, LocalDate day, String state) {
    return kept(hotDayKey(sql, aggregation, day, state), hotDayHits);
  }

  /** Keeps the parts of every hot row of one day; see {@link #hotDay}. */
  void keepHotDay(
      String sql, Aggregation aggregation, LocalDate day, String state, PartialAggregates parts) {
    keep(hotDayKey(sql, aggregation, day, state), parts);
  }

  /**
   * The parts of the hot days {@code dayStates} merged (each a day, {@code =}, and its state), for
   * the question {@code sql} without its time bounds: kept, or those {@code merge} gives.
   */
  PartialAggregates hotDays(
      String sql,
      Aggregation aggregation,
      List<String> dayStates,
      Supplier<PartialAggregates> merge) {
    return keptOrComputed(
        new Key(Scope.HOT_DAYS, sql, filterValues(aggregation), dayStates), hotDaysHits, merge);
  }

  private static Key hotDayKey(String sql, Aggregation aggregation, LocalDate day, String state) {
    return new Key(Scope.HOT_DAY, sql, filterValues(aggregation), List.of(day.toString(), state));
  }

  private static Key partitionKey(String sql, Aggregation aggregation, List<ColdObject> objects) {
    return new Key(Scope.PARTITION, sql, filterValues(aggregation), sha256s(objects));
  }

  private void keep(Key key, PartialAggregates parts) {
    synchronized (answers) {
      PartialAggregates replaced = answers.put(key, parts);
      groups += parts.size() - (replaced == null ? 0 : replaced.size());
      var eldest = answers.entrySet().iterator();
      while ((answers.size() > capacity || groups > MAX_GROUPS) && eldest.hasNext()) {
        groups -= eldest.next().getValue().size();
        eldest.remove();
      }
    }
  }

  /** The filters' values in order: with the query's text, they are what it asks. */
  static List<Object> filterValues(Aggregation aggregation) {
    List<Object> values = new ArrayList<>();
    aggregation.filters().forEach(f -> values.addAll(f.values()));
    return values;
  }

  /** The objects' SHA-256, sorted: the catalog state they stand for. */
  static List<String> sha256s(List<ColdObject> objects) {
    return objects.stream().map(ColdObject::sha256).sorted().toList();
  }

  /**
   * Forgets the answers computed from any of these objects, which no ACTIVE chunk holds any more:
   * no snapshot names them again, and an erased tenant's figures should not outlive its rows.
   */
  public void dropHolding(Collection<String> retiredSha256s) {
    synchronized (answers) {
      var kept = answers.entrySet().iterator();
      while (kept.hasNext()) {
        var entry = kept.next();
        if (entry.getKey().objects().stream().anyMatch(retiredSha256s::contains)) {
          groups -= entry.getValue().size();
          kept.remove();
        }
      }
    }
  }

  /**
   * Whether a question's parts of this many partitions fit the cache with room to spare, so that
   * one long question per hour does not push out every other answer, and its own.
   */
  boolean fitsPartitions(int partitions) {
    return partitions <= capacity / 4;
  }

  /** How many questions were answered from the cache since the start. */
  public long hits() {
    return hits.get();
  }

  /** How many partitions of questions per day or hour were answered from the cache. */
  public long partitionHits() {
    return partitionHits.get();
  }

  /** How many hot days of questions were answered from the cache. */
  public long hotDayHits() {
    return hotDayHits.get();
  }

  /** How many questions' hot days were answered from the cache, merged. */
  public long hotDaysHits() {
    return hotDaysHits.get();
  }

  /** How many answers are kept now. */
  public int size() {
    synchronized (answers) {
      return answers.size();
    }
  }
}
