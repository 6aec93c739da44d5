package dev.permafrost.query.service;

import dev.permafrost.format.Sha256;
import dev.permafrost.query.config.QueryConfig;
import dev.permafrost.support.rest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The pages left out of Wikimedia reports: lines {@code domain page} from a file or URL, with
 * {@code #} comments and blank lines allowed. It is read once and kept until refreshed on demand. A
 * list that cannot be read, or has a malformed line, fails the report (503) rather than letting
 * denied pages through.
 */
@ApplicationScoped
public class DenyList {

  /**
   * One reading of the list.
   *
   * @param source the configured path or URL, or {@code none}
   * @param sha256 of the bytes read, so that a report names exactly the list it used
   */
  public record Snapshot(
      String source,
      String sha256,
      int entries,
      Instant loadedAt,
      Map<String, Set<String>> pagesByDomain) {

    public boolean denies(String domain, String page) {
      Set<String> pages = pagesByDomain.get(domain);
      return pages != null && pages.contains(page);
    }

    /** The most pages denied in any one domain. */
    public int mostPerDomain() {
      return pagesByDomain.values().stream().mapToInt(Set::size).max().orElse(0);
    }
  }

  private static final String NONE = "none";

  private final String source;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private volatile Snapshot current;

  @Inject
  public DenyList(QueryConfig config) {
    this(config.wikimedia().denyList().filter(s -> !s.isBlank()).orElse(NONE));
  }

  /** A list read from {@code source}, a file path or an http(s) URL, or {@code none}. */
  public DenyList(String source) {
    this.source = source;
  }

  /** The list as last read; read now if it never was. */
  public Snapshot current() {
    Snapshot snapshot = current;
    return snapshot != null ? snapshot : refresh();
  }

  /**
   * Reads the list again.
   *
   * @throws ProblemException 503 when it cannot be read or is malformed; the previous reading stays
   *     in use
   */
  public synchronized Snapshot refresh() {
    byte[] content = source.equals(NONE) ? new byte[0] : read();
    current = parse(source, content);
    return current;
  }

  private byte[] read() {
    try {
      if (source.startsWith("http://") || source.startsWith("https://")) {
        HttpResponse<byte[]> response =
            http.send(
                HttpRequest.newBuilder(URI.create(source)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
          throw unreadable("HTTP " + response.statusCode());
        }
        return response.body();
      }
      return Files.readAllBytes(Path.of(source));
    } catch (IOException e) {
      throw unreadable(e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreadable("interrupted");
    }
  }

  static Snapshot parse(String source, byte[] content) {
    Map<String, Set<String>> pages = new HashMap<>();
    int entries = 0;
    String[] lines = new String(content, StandardCharsets.UTF_8).split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split("\\s+");
      if (fields.length != 2) {
        throw new ProblemException(
            503,
            "Deny-list unavailable",
            "deny-list "
                + source
                + " line "
                + (i + 1)
                + " is '"
                + line
                + "'; each line must be 'domain page' (or a # comment)");
      }
      if (pages.computeIfAbsent(fields[0], d -> new HashSet<>()).add(fields[1])) {
        entries++;
      }
    }
    return new Snapshot(source, Sha256.hex(content), entries, Instant.now(), Map.copyOf(pages));
  }

  private ProblemException unreadable(String why) {
    return new ProblemException(
        503, "Deny-list unavailable", "deny-list " + source + " could not be read: " + why);
  }
}
