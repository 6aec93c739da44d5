package dev.permafrost.query.service;

import dev.permafrost.format.ObjectStore;
import dev.permafrost.query.config.QueryConfig;
import dev.permafrost.query.domain.ColdObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Local copies of chunk objects, at most {@code cache-max-bytes} of them, the least recently used
 * going first. Objects are immutable, so a copy named by its SHA-256 never goes stale; a copy is
 * checked against that SHA-256 when it is downloaded, and concurrent requests for the same object
 * download it once. A query leases the copies it reads, and a leased copy is never evicted under
 * it.
 *
 * <p>The cache also keeps files derived from cached objects ({@link MergedCopies}) under the same
 * budget, named by a key of their maker's. Their descriptions live in memory only, so they are
 * deleted at start.
 */
@ApplicationScoped
public class ObjectCache {

  private static final Logger LOG = Logger.getLogger(ObjectCache.class);

  private final ObjectStore store;
  private final Path directory;
  private final long maxBytes;

  private static final String DERIVED = ".derived.parquet";

  /**
   * Cached copies by SHA-256 (derived files by their key), least recently used first; guarded by
   * {@code this}.
   */
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);

  private long cachedBytes;

  /** One lock per object being downloaded, so that it is downloaded once. */
  private final ConcurrentMap<String, Object> downloadLocks = new ConcurrentHashMap<>();

  private static final class Entry {
    final Path path;
    final long bytes;
    int leases;

    /** Dropped while leased: deleted when the last lease is released. */
    boolean dropped;

    Entry(Path path, long bytes) {
      this.path = path;
      this.bytes = bytes;
    }
  }

  public ObjectCache(ObjectStore store, QueryConfig config) {
    this.store = store;
    this.directory = config.cacheDir();
    this.maxBytes = config.cacheMaxBytes();
    try {
      Files.createDirectories(directory);
      adoptCopiesOnDisk();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the object cache " + directory, e);
    }
  }

  /** The copies held between leases: used only by queries that are running now. */
  public final class Lease implements AutoCloseable {
    private final List<String> keys;
    private final List<Path> paths;
    private boolean closed;

    private Lease(List<String> keys, List<Path> paths) {
      this.keys = keys;
      this.paths = paths;
    }

    /** The local copies, in the order the objects were given. */
    public List<Path> paths() {
      return paths;
    }

    /** The copies as a DuckDB list literal of file names, for {@code read_parquet}. */
    public String duckDbList() {
      return ObjectCache.duckDbList(paths);
    }

    @Override
    public void close() {
      synchronized (ObjectCache.this) {
        if (closed) {
          return; // a second close must not release another holder's lease
        }
        closed = true;
      }
      release(keys);
    }
  }

  /** Files as a DuckDB list literal of their names, for {@code read_parquet}. */
  public static String duckDbList(List<Path> files) {
    return files.stream()
        .map(Path::toAbsolutePath)
        .map(f -> "'" + f.toString().replace("'", "''") + "'")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /**
   * Leases local copies of {@code objects}, downloading those not cached.
   *
   * @throws ColdReadException naming the partition if the store cannot give the expected bytes
   */
  public Lease lease(List<ColdObject> objects) {
    List<String> leased = new ArrayList<>();
    List<Path> paths = new ArrayList<>();
    try {
      for (ColdObject object : objects) {
        paths.add(leaseOne(object));
        leased.add(object.sha256());
      }
    } catch (RuntimeException e) {
      release(leased);
      throw e;
    }
    evictOverBudget();
    return new Lease(leased, paths);
  }

  /** Downloads the objects not cached yet, e.g. of a chunk that has just become ACTIVE. */
  public void warm(List<ColdObject> objects) {
    lease(objects).close();
  }

  /**
   * Drops the copies of objects no query will read again, e.g. of a restored or erased chunk, or
   * derived files by their key. A copy a query reads now goes when that query is done.
   */
  public synchronized void drop(Collection<String> keys) {
    for (String key : keys) {
      Entry entry = entries.get(key);
      if (entry == null) {
        continue;
      }
      if (entry.leases == 0) {
        remove(key, entry);
      } else {
        entry.dropped = true;
      }
    }
  }

  /** A lease of the derived file kept under {@code key}, if it is still kept. */
  public synchronized Optional<Lease> leaseDerived(String key) {
    Entry entry = entries.get(key);
    if (entry == null || entry.dropped) {
      return Optional.empty();
    }
    entry.leases++;
    return Optional.of(new Lease(List.of(key), List.of(entry.path)));
  }

  /**
   * A new file name in the cache's directory to build a derived file in; named like a partial
   * download, so that one left over by a crash is deleted at the next start.
   */
  public Path scratchFile(String key) {
    return directory.resolve(key + "." + UUID.randomUUID() + ".download");
  }

  /**
   * Keeps a file built from cached objects under {@code key}, within the cache's budget. A key
   * names its file's contents, so while one is kept under the key the new build is deleted.
   */
  public synchronized void adoptDerived(String key, Path built) {
    if (entries.containsKey(key)) {
      deleteQuietly(built);
      return;
    }
    Path path = directory.resolve(key + DERIVED);
    try {
      Files.move(built, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Entry entry = new Entry(path, Files.size(path));
      entries.put(key, entry);
      cachedBytes += entry.bytes;
      evictOverBudget();
    } catch (IOException e) {
      deleteQuietly(built);
      throw new UncheckedIOException("cannot keep " + built + " in the object cache", e);
    }
  }

  /** Bytes held now; may exceed the budget while leased copies are in use. */
  public synchronized long cachedBytes() {
    return cachedBytes;
  }

  /** The budget, {@code cache-max-bytes}. */
  public long maxBytes() {
    return maxBytes;
  }

  /** Whether a copy of the object with this SHA-256, or a derived file with this key, is kept. */
  public synchronized boolean isCached(String key) {
    return entries.containsKey(key);
  }

  private Path leaseOne(ColdObject object) {
    synchronized (this) {
      Entry entry = entries.get(object.sha256());
      if (entry != null) {
        entry.leases++;
        return entry.path;
      }
    }
    synchronized (downloadLocks.computeIfAbsent(object.sha256(), sha -> new Object())) {
      synchronized (this) {
        Entry entry = entries.get(object.sha256());
        if (entry != null) {
          entry.leases++;
          return entry.path;
        }
      }
      try {
        Path cached = download(object);
        synchronized (this) {
          Entry entry = new Entry(cached, object.bytes());
          entry.leases = 1;
          entries.put(object.sha256(), entry);
          cachedBytes += entry.bytes;
          return cached;
        }
      } finally {
        downloadLocks.remove(object.sha256());
      }
    }
  }

  private Path download(ColdObject object) {
    Path cached = directory.resolve(object.sha256() + ".parquet");
    // A name of its own, so that another process sharing the directory cannot interleave.
    Path partial = directory.resolve(object.sha256() + "." + UUID.randomUUID() + ".download");
    try {
      String mismatch =
          store
              .download(object.key(), partial)
              .mismatch(object.key(), object.bytes(), object.sha256());
      if (mismatch != null) {
        throw new IOException(mismatch);
      }
      Files.move(partial, cached, StandardCopyOption.ATOMIC_MOVE);
      return cached;
    } catch (IOException | RuntimeException e) {
      deleteQuietly(partial);
      throw new ColdReadException(
          "partition "
              + object.partition()
              + " could not be read from the object store ("
              + object.key()
              + "): "
              + e.getMessage(),
          e);
    }
  }

  private synchronized void release(List<String> keys) {
    for (String key : keys) {
      Entry entry = entries.get(key);
      if (entry != null && --entry.leases == 0 && entry.dropped) {
        remove(key, entry);
      }
    }
    evictOverBudget();
  }

  private synchronized void evictOverBudget() {
    Iterator<Map.Entry<String, Entry>> oldestFirst = entries.entrySet().iterator();
    while (cachedBytes > maxBytes && oldestFirst.hasNext()) {
      Map.Entry<String, Entry> candidate = oldestFirst.next();
      if (candidate.getValue().leases == 0) {
        oldestFirst.remove();
        cachedBytes -= candidate.getValue().bytes;
        deleteQuietly(candidate.getValue().path);
      }
    }
  }

  private void remove(String sha, Entry entry) {
    entries.remove(sha);
    cachedBytes -= entry.bytes;
    deleteQuietly(entry.path);
  }

  /**
   * Takes over the copies a previous run left, oldest first, so that the budget holds across
   * restarts; unfinished downloads and derived files are deleted. A copy was checked when it was
   * downloaded.
   */
  private void adoptCopiesOnDisk() throws IOException {
    List<Path> copies;
    try (Stream<Path> files = Files.list(directory)) {
      copies = files.toList();
    }
    copies.stream()
        .filter(
            f ->
                f.getFileName().toString().endsWith(".download")
                    || f.getFileName().toString().endsWith(DERIVED))
        .forEach(ObjectCache::deleteQuietly);
    List<Path> parquet =
        copies.stream()
            .filter(f -> f.getFileName().toString().matches("[0-9a-f]{64}\\.parquet"))
            .sorted(
                java.util.Comparator.comparing(
                    f -> {
                      try {
                        return Files.getLastModifiedTime(f);
                      } catch (IOException e) {
                        throw new UncheckedIOException(e);
                      }
                    }))
            .toList();
    synchronized (this) {
      for (Path copy : parquet) {
        String name = copy.getFileName().toString();
        Entry entry = new Entry(copy, Files.size(copy));
        entries.put(name.substring(0, 64), entry);
        cachedBytes += entry.bytes;
      }
      evictOverBudget();
    }
    if (!parquet.isEmpty()) {
      LOG.infof("object cache %s: %d copies, %d bytes", directory, entries.size(), cachedBytes);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a leftover partial download is deleted at the next start
    }
  }
}
