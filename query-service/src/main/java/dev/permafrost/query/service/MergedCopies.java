package dev.permafrost.query.service;

import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.query.config.QueryConfig;
import dev.permafrost.query.domain.ColdObject;
import dev.permafrost.query.persistence.ActiveChunks;
import dev.permafrost.support.jdbc.Transactions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Month-sized copies of a dataset's cold rows, merged from the month's chunk files and sorted by
 * the dataset's sort keys. DuckDB answers a question over months of daily chunks several times
 * faster from them: it opens a few files instead of a hundred, and skips the row groups of other
 * tenants by their statistics.
 *
 * <p>A copy lives in the {@link ObjectCache}, under its budget and leases, and names the exact
 * objects it was merged from. A question reads it for a month only when they are exactly the
 * month's ACTIVE objects in the question's own catalog snapshot; the question's time bounds keep
 * the rows of days it did not ask for out. After a re-archive, a late chunk, a restore or an
 * erasure, a copy is therefore unused until it is rebuilt, never wrong, and a copy whose events
 * were lost is never read again. Its file is deleted when the events say its objects were retired,
 * so an erased tenant's rows do not outlive the chunks that held them.
 *
 * <p>Copies are built in the background, one at a time, for a month a question had to read from two
 * or more chunk files; a month whose chunks exceed {@code merged-copy-max-bytes} stays as it is.
 */
@ApplicationScoped
public class MergedCopies {

  private static final Logger LOG = Logger.getLogger(MergedCopies.class);

  private final DataSource dataSource;
  private final ActiveChunks activeChunks;
  private final ObjectCache cache;
  private final ColdEngine engine;
  private final long maxBytes;

  private record Month(String dataset, YearMonth month) {}

  /** A kept copy: the objects it was merged from, and its key in the object cache. */
  private record Copy(List<ColdObject> objects, String cacheKey) {
    boolean holdsAny(Collection<String> sha256s) {
      return objects.stream().anyMatch(o -> sha256s.contains(o.sha256()));
    }
  }

  /** Guarded by {@code this}. */
  private final Map<Month, Copy> copies = new HashMap<>();

  private final Set<Month> queued = ConcurrentHashMap.newKeySet();
  private final AtomicLong reads = new AtomicLong();

  private final ExecutorService builder =
      Executors.newSingleThreadExecutor(DaemonThreads.named("merged-copies"));

  public MergedCopies(
      DataSource dataSource,
      ActiveChunks activeChunks,
      ObjectCache cache,
      ColdEngine engine,
      QueryConfig config) {
    this.dataSource = dataSource;
    this.activeChunks = activeChunks;
    this.cache = cache;
    this.engine = engine;
    this.maxBytes = config.mergedCopyMaxBytes();
  }

  /** What one cold question reads: merged copies for some months, chunk files for the rest. */
  public static final class Sources implements AutoCloseable {
    private final List<ObjectCache.Lease> copies;
    private final List<ColdObject> chunkObjects;

    private Sources(List<ObjectCache.Lease> copies, List<ColdObject> chunkObjects) {
      this.copies = copies;
      this.chunkObjects = chunkObjects;
    }

    public List<Path> copyFiles() {
      return copies.stream().flatMap(lease -> lease.paths().stream()).toList();
    }

    /** The objects of the months no copy answers for. */
    public List<ColdObject> chunkObjects() {
      return chunkObjects;
    }

    @Override
    public void close() {
      copies.forEach(ObjectCache.Lease::close);
    }
  }

  /**
   * The sources of a question whose range starts at {@code from} and whose snapshot names {@code
   * asked}, and {@code monthsObjects}, every ACTIVE object of the range's months; queues a build
   * for a month read from two or more chunk files that has no copy of its ACTIVE objects.
   */
  public Sources sources(
      DatasetDefinition dataset,
      Instant from,
      List<ColdObject> asked,
      List<ColdObject> monthsObjects) {
    YearMonth first = monthOf(from);
    Map<YearMonth, List<ColdObject>> allOfMonth = byMonth(monthsObjects);
    List<ObjectCache.Lease> copyLeases = new ArrayList<>();
    List<ColdObject> chunkObjects = new ArrayList<>();
    try {
      for (Map.Entry<YearMonth, List<ColdObject>> askedByMonth : byMonth(asked).entrySet()) {
        YearMonth yearMonth = askedByMonth.getKey();
        List<ColdObject> askedOfMonth = askedByMonth.getValue();
        List<ColdObject> ofMonth = allOfMonth.get(yearMonth);
        // A partition that starts in an earlier month than the range: that month is not whole.
        if (yearMonth.isBefore(first)) {
          chunkObjects.addAll(askedOfMonth);
          continue;
        }
        Month month = new Month(dataset.name(), yearMonth);
        Optional<ObjectCache.Lease> copy = usableCopy(month, ofMonth, askedOfMonth.size());
        if (copy.isPresent()) {
          copyLeases.add(copy.get());
          reads.incrementAndGet();
        } else {
          chunkObjects.addAll(askedOfMonth);
          if (askedOfMonth.size() >= 2 && !holdsExactly(month, ofMonth)) {
            queueBuild(dataset, month);
          }
        }
      }
    } catch (RuntimeException e) {
      copyLeases.forEach(ObjectCache.Lease::close);
      throw e;
    }
    return new Sources(copyLeases, chunkObjects);
  }

  /** The first instant of the UTC month of {@code instant}. */
  public static Instant startOfMonth(Instant instant) {
    return start(monthOf(instant));
  }

  /** The first instant of the UTC month after the one of {@code instant}. */
  public static Instant startOfNextMonth(Instant instant) {
    return start(monthOf(instant).plusMonths(1));
  }

  private static Instant start(YearMonth month) {
    return month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  private static YearMonth monthOf(Instant instant) {
    return YearMonth.from(instant.atOffset(ZoneOffset.UTC));
  }

  /** The objects by the UTC month their partition starts in. */
  static Map<YearMonth, List<ColdObject>> byMonth(List<ColdObject> objects) {
    Map<YearMonth, List<ColdObject>> byMonth = new TreeMap<>();
    for (ColdObject object : objects) {
      byMonth.computeIfAbsent(monthOf(object), m -> new ArrayList<>()).add(object);
    }
    return byMonth;
  }

  /** How many months of the dataset this instance keeps a merged copy of. */
  public synchronized int months(String dataset) {
    return (int) copies.keySet().stream().filter(m -> m.dataset().equals(dataset)).count();
  }

  /** How many times a month of a question was read from a merged copy since the start. */
  public long reads() {
    return reads.get();
  }

  /** Waits until every build queued so far is done; for tests and benchmarks. */
  public void awaitQueuedBuilds() throws InterruptedException {
    try {
      builder.submit(() -> {}).get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Deletes the copies holding any of these objects, which no ACTIVE chunk holds any more. */
  public synchronized void dropHolding(Collection<String> retiredSha256s) {
    var kept = copies.entrySet().iterator();
    while (kept.hasNext()) {
      Copy copy = kept.next().getValue();
      if (copy.holdsAny(retiredSha256s)) {
        kept.remove();
        cache.drop(List.of(copy.cacheKey()));
      }
    }
  }

  /**
   * A lease of the month's copy if it holds exactly {@code ofMonth}, the month's ACTIVE objects in
   * the question's snapshot, and the question asks for at least half of them (for fewer, the chunk
   * files are less to read).
   */
  private synchronized Optional<ObjectCache.Lease> usableCopy(
      Month month, List<ColdObject> ofMonth, int asked) {
    Copy copy = copies.get(month);
    if (copy == null || !sameObjects(copy.objects(), ofMonth) || 2 * asked < ofMonth.size()) {
      return Optional.empty();
    }
    Optional<ObjectCache.Lease> lease = cache.leaseDerived(copy.cacheKey());
    if (lease.isEmpty()) {
      copies.remove(month); // evicted under the cache's budget
    }
    return lease;
  }

  private synchronized boolean holdsExactly(Month month, List<ColdObject> ofMonth) {
    Copy copy = copies.get(month);
    return copy != null && sameObjects(copy.objects(), ofMonth) && cache.isCached(copy.cacheKey());
  }

  private static boolean sameObjects(List<ColdObject> a, List<ColdObject> b) {
    return a.stream()
        .map(ColdObject::sha256)
        .sorted()
        .toList()
        .equals(b.stream().map(ColdObject::sha256).sorted().toList());
  }

  private void queueBuild(DatasetDefinition dataset, Month month) {
    if (maxBytes <= 0 || !queued.add(month)) {
      return;
    }
    builder.submit(
        () -> {
          try {
            build(dataset, month);
          } catch (RuntimeException | SQLException | IOException e) {
            // Only a copy: the month is read from its chunk files meanwhile.
            LOG.warnf(e, "could not merge %s of %s", month.month(), month.dataset());
          } finally {
            queued.remove(month);
          }
        });
  }

  private void build(DatasetDefinition dataset, Month month) throws SQLException, IOException {
    Instant start = start(month.month());
    Instant end = start(month.month().plusMonths(1));
    List<ColdObject> objects =
        Transactions.inSnapshot(
                dataSource, c -> activeChunks.overlapping(c, dataset.name(), start, end))
            .stream()
            .filter(o -> monthOf(o).equals(month.month()))
            .toList();
    long bytes = objects.stream().mapToLong(ColdObject::bytes).sum();
    String key = cacheKey(month, objects);
    synchronized (this) {
      Copy current = copies.get(month);
      if (objects.size() < 2
          // The copy and the files it is made of must fit the cache together with others.
          || bytes > Math.min(maxBytes, cache.maxBytes() / 4)
          || current != null
              && current.cacheKey().equals(key)
              && cache.isCached(current.cacheKey())) {
        return;
      }
    }
    Path scratch = cache.scratchFile(key);
    try {
      merge(dataset, objects, scratch);
      keep(month, objects, key, scratch);
    } finally {
      Files.deleteIfExists(scratch); // kept files were moved away
    }
  }

  private void merge(DatasetDefinition dataset, List<ColdObject> objects, Path target)
      throws SQLException {
    Set<String> order = new LinkedHashSet<>(dataset.sortKeys());
    order.add(dataset.timeColumn());
    try (ObjectCache.Lease files = cache.lease(objects);
        Connection duck = engine.connect();
        Statement copy = duck.createStatement()) {
      copy.execute(
          "COPY (SELECT * FROM read_parquet("
              + files.duckDbList()
              + ", hive_partitioning = false) ORDER BY "
              + order.stream().map(DatasetDefinition::quote).collect(Collectors.joining(", "))
              + ") TO '"
              + target.toAbsolutePath().toString().replace("'", "''")
              + "' (FORMAT parquet, COMPRESSION zstd)");
    }
  }

  /**
   * Keeps the copy if every object it holds is still ACTIVE. Checked under the lock that {@link
   * #dropHolding} takes: an erasure that commits after the check sends its event after, and the
   * event's drop finds the copy kept.
   */
  private synchronized void keep(Month month, List<ColdObject> objects, String key, Path built) {
    // The objects are every object of their chunks, so these are the copy's retired ones.
    List<UUID> chunkIds = objects.stream().map(ColdObject::chunkId).distinct().toList();
    List<String> retired =
        Transactions.inSnapshot(dataSource, c -> activeChunks.retiredObjects(c, chunkIds));
    if (!retired.isEmpty()) {
      // Retired meanwhile: the caller deletes the file, and the merge may have downloaded
      // objects again that the events had dropped.
      cache.drop(retired);
      return;
    }
    cache.adoptDerived(key, built);
    Copy replaced = copies.put(month, new Copy(objects, key));
    if (replaced != null && !replaced.cacheKey().equals(key)) {
      cache.drop(List.of(replaced.cacheKey()));
    }
    LOG.debugf("merged %d chunk objects of %s into %s", objects.size(), month, key);
  }

  /** A name for the copy of exactly these objects. */
  private static String cacheKey(Month month, List<ColdObject> objects) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update((month.dataset() + "/" + month.month()).getBytes(StandardCharsets.UTF_8));
      objects.stream()
          .map(ColdObject::sha256)
          .sorted()
          .forEach(sha -> digest.update(sha.getBytes(StandardCharsets.US_ASCII)));
      return "merged-" + HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static YearMonth monthOf(ColdObject object) {
    return monthOf(object.partitionStart());
  }

  @PreDestroy
  void stop() {
    builder.shutdownNow();
  }
}
