package dev.permafrost.query.service;

import dev.permafrost.query.config.QueryConfig;
import dev.permafrost.query.domain.Aggregation;
import dev.permafrost.query.domain.ColdObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The cold tier's partial aggregates of recent questions, keyed by the question and by the exact
 * set of objects the catalog snapshot named. Objects are immutable and named by their SHA-256, and
 * every re-archive, restore, compaction or erasure changes which objects are ACTIVE, so an entry
 * can never answer for a catalog state other than its own: a changed state is a different key. The
 * hot tier is always read afresh; for a range that is entirely cold, a repeated question costs one
 * catalog and one index lookup.
 */
@ApplicationScoped
public class ColdAnswers {

  private record Key(String sql, List<Object> parameters, List<String> objects) {}

  private final Map<Key, PartialAggregates> answers;
  private final AtomicLong hits = new AtomicLong();

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
    aggregation.filters().forEach(f -> parameters.addAll(f.values()));
    Key key = new Key(sql, parameters, objects.stream().map(ColdObject::sha256).sorted().toList());
    synchronized (answers) {
      PartialAggregates cached = answers.get(key);
      if (cached != null) {
        hits.incrementAndGet();
        return cached;
      }
    }
    // Outside the lock: a slow cold query must not hold up the others. Two requests asking the
    // same at once both compute it; the answers are equal.
    PartialAggregates computed = query.get();
    synchronized (answers) {
      PartialAggregates replaced = answers.put(key, computed);
      groups += computed.size() - (replaced == null ? 0 : replaced.size());
      var eldest = answers.entrySet().iterator();
      while ((answers.size() > capacity || groups > MAX_GROUPS) && eldest.hasNext()) {
        groups -= eldest.next().getValue().size();
        eldest.remove();
      }
    }
    return computed;
  }

  /** How many questions were answered from the cache since the start. */
  public long hits() {
    return hits.get();
  }

  /** How many answers are kept now. */
  public int size() {
    synchronized (answers) {
      return answers.size();
    }
  }
}
