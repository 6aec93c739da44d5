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
 */
@ApplicationScoped
public class ObjectCache {

  private static final Logger LOG = Logger.getLogger(ObjectCache.class);

  private final ObjectStore store;
  private final Path directory;
  private final long maxBytes;

  /** Cached copies by SHA-256, least recently used first; guarded by {@code this}. */
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);

  private long cachedBytes;

  /** One lock per object being downloaded, so that it is downloaded once. */
  private final ConcurrentMap<String, Object> downloadLocks = new ConcurrentHashMap<>();

  private static final class Entry {
    final Path path;
    final long bytes;
    int leases;

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
    private final List<String> shas;
    private final List<Path> paths;

    private Lease(List<String> shas, List<Path> paths) {
      this.shas = shas;
      this.paths = paths;
    }

    /** The local copies, in the order the objects were given. */
    public List<Path> paths() {
      return paths;
    }

    /** The copies as a DuckDB list literal of file names, for {@code read_parquet}. */
    public String duckDbList() {
      return paths.stream()
          .map(Path::toAbsolutePath)
          .map(f -> "'" + f.toString().replace("'", "''") + "'")
          .collect(Collectors.joining(", ", "[", "]"));
    }

    @Override
    public void close() {
      release(shas);
    }
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

  /** Drops the copies of objects no query will read again, e.g. of a restored or erased chunk. */
  public synchronized void drop(Collection<String> sha256s) {
    for (String sha : sha256s) {
      Entry entry = entries.get(sha);
      if (entry != null && entry.leases == 0) {
        remove(sha, entry);
      }
    }
  }

  /** Bytes held now; may exceed the budget while leased copies are in use. */
  public synchronized long cachedBytes() {
    return cachedBytes;
  }

  public synchronized boolean isCached(String sha256) {
    return entries.containsKey(sha256);
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

  private synchronized void release(List<String> shas) {
    for (String sha : shas) {
      Entry entry = entries.get(sha);
      if (entry != null) {
        entry.leases--;
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
   * restarts; unfinished downloads are deleted. A copy was checked when it was downloaded.
   */
  private void adoptCopiesOnDisk() throws IOException {
    List<Path> copies;
    try (Stream<Path> files = Files.list(directory)) {
      copies = files.toList();
    }
    copies.stream()
        .filter(f -> f.getFileName().toString().endsWith(".download"))
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
