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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Local copies of chunk objects. Objects are immutable, so a copy named by its SHA-256 never goes
 * stale; a copy is checked against that SHA-256 once, when it is downloaded, and concurrent
 * requests for the same object download it once.
 */
@ApplicationScoped
public class ObjectCache {

  private final ObjectStore store;
  private final Path directory;

  /** One lock per object, kept for the life of the cache: at most one per cached file. */
  private final ConcurrentMap<String, Object> downloadLocks = new ConcurrentHashMap<>();

  public ObjectCache(ObjectStore store, QueryConfig config) {
    this.store = store;
    this.directory = config.cacheDir();
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the object cache " + directory, e);
    }
  }

  /**
   * The local path of {@code object}, downloading it if needed.
   *
   * @throws ColdReadException naming the partition if the store cannot give the expected bytes
   */
  public Path localCopy(ColdObject object) {
    Path cached = directory.resolve(object.sha256() + ".parquet");
    if (Files.exists(cached)) {
      return cached;
    }
    synchronized (downloadLocks.computeIfAbsent(object.sha256(), sha -> new Object())) {
      if (Files.exists(cached)) {
        return cached;
      }
      // A name of its own, so that another process sharing the directory cannot interleave.
      Path partial =
          directory.resolve(object.sha256() + "." + java.util.UUID.randomUUID() + ".download");
      try {
        ObjectStore.StoredBytes got = store.download(object.key(), partial);
        if (got.bytes() != object.bytes() || !got.sha256().equals(object.sha256())) {
          throw new IOException(
              "object "
                  + object.key()
                  + " has sha256 "
                  + got.sha256()
                  + ", catalog says "
                  + object.sha256());
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
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a leftover partial download is overwritten by the next attempt
    }
  }
}
