package dev.permafrost.exporter.ingest;

import dev.permafrost.exporter.config.ExporterConfig;
import dev.permafrost.format.Sha256;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;
import org.jboss.logging.Logger;

/**
 * Fetches an hour's dump into the local cache and proves it is a complete gzip stream before anyone
 * reads it: a corrupt or truncated download is fetched again, with a growing pause, a bounded
 * number of times. A cached file is checked the same way before it is used again.
 */
@ApplicationScoped
public class DumpDownloader {

  private static final Logger LOG = Logger.getLogger(DumpDownloader.class);
  private static final int NOT_FOUND = 404;
  private static final int TOO_MANY_REQUESTS = 429;

  /**
   * A verified dump in the cache.
   *
   * @param bytesDownloaded bytes fetched over the network for it, failed attempts included; 0 when
   *     the cached file was used
   */
  public record Download(Path file, long fileBytes, String sha256, long bytesDownloaded) {}

  private final ExporterConfig.Wikimedia config;
  private final HttpClient http;

  public DumpDownloader(ExporterConfig config) {
    this.config = config.wikimedia();
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  /** The URL of the hour's dump. */
  private String url(Instant hour) {
    return config.baseUrl().replaceAll("/+$", "") + "/" + DumpFiles.relativePath(hour);
  }

  /**
   * The hour's verified dump, from the cache or downloaded.
   *
   * @param fresh download even if the cache has the file, e.g. because the dump was republished
   * @throws HourNotPublishedException the server does not have the file (yet)
   * @throws DumpUnavailableException no intact file arrived within the allowed attempts
   */
  public Download fetch(Instant hour, boolean fresh)
      throws HourNotPublishedException, DumpUnavailableException, InterruptedException {
    Path target = config.cacheDir().resolve(DumpFiles.relativePath(hour));
    if (!fresh && Files.exists(target)) {
      try {
        return verified(target, 0);
      } catch (IOException damaged) {
        LOG.warnf("cached dump %s is damaged (%s): downloading it again", target, damaged);
      }
    }
    String url = url(hour);
    Path partial = target.resolveSibling(target.getFileName() + ".part");
    long downloaded = 0;
    String lastError = "none";
    for (int attempt = 1; attempt <= config.downloadAttempts(); attempt++) {
      if (attempt > 1) {
        Thread.sleep(config.retryBackoff().toMillis() << (attempt - 2));
      }
      try {
        Files.createDirectories(target.getParent());
        HttpResponse<Path> response = download(url, partial);
        if (response.statusCode() == NOT_FOUND) {
          Files.deleteIfExists(partial);
          throw new HourNotPublishedException(hour, url);
        }
        downloaded += Files.size(partial);
        if (response.statusCode() >= 400
            && response.statusCode() < 500
            && response.statusCode() != TOO_MANY_REQUESTS) {
          // The server refuses, and will again: asking again cannot help.
          Files.deleteIfExists(partial);
          throw new DumpUnavailableException(
              "hour " + hour + ": " + url + " answered HTTP " + response.statusCode(), downloaded);
        }
        if (response.statusCode() != 200) {
          throw new IOException("HTTP " + response.statusCode());
        }
        Download download = verified(partial, downloaded);
        Files.move(
            partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new Download(target, download.fileBytes(), download.sha256(), downloaded);
      } catch (IOException e) {
        lastError = e.toString();
        LOG.warnf(
            "hour %s: download %d of %d of %s failed: %s",
            hour, attempt, config.downloadAttempts(), url, lastError);
        deleteQuietly(partial);
      }
    }
    throw new DumpUnavailableException(
        "hour "
            + hour
            + ": no intact dump from "
            + url
            + " in "
            + config.downloadAttempts()
            + " attempts; last error: "
            + lastError,
        downloaded);
  }

  /**
   * Downloads {@code url} into {@code target} within the download timeout, which bounds the whole
   * transfer: a request's own timeout only bounds the wait for the response's headers.
   */
  private HttpResponse<Path> download(String url, Path target)
      throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<Path>> response =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create(url)).timeout(config.downloadTimeout()).GET().build(),
            HttpResponse.BodyHandlers.ofFile(target));
    try {
      return response.get(config.downloadTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      response.cancel(true);
      throw new IOException("no complete answer within " + config.downloadTimeout());
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (InterruptedException e) {
      response.cancel(true);
      throw e;
    }
  }

  /**
   * Reads the whole gzip stream, which checks every member's CRC and length, and hashes the file.
   *
   * @throws IOException the file is not gzip, is corrupt or ends early
   */
  static Download verified(Path file, long bytesDownloaded) throws IOException {
    MessageDigest digest = Sha256.newDigest();
    try (InputStream raw = new DigestInputStream(Files.newInputStream(file), digest);
        InputStream gzip = new GZIPInputStream(raw, 64 * 1024)) {
      gzip.transferTo(OutputStream.nullOutputStream());
      // The gzip reader may stop before the file's last bytes; the hash covers the whole file.
      raw.transferTo(OutputStream.nullOutputStream());
    }
    return new Download(
        file, Files.size(file), HexFormat.of().formatHex(digest.digest()), bytesDownloaded);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.debugf("could not delete %s: %s", file, e);
    }
  }
}
