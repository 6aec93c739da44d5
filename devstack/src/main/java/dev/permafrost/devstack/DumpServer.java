package dev.permafrost.devstack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP server standing in for Wikimedia's dumps site: it serves the files it was given
 * under {@code /pageviews/PATH}, 404 for any other, and can answer the next requests for a path
 * with other bytes first, to play a corrupt or truncated download.
 */
public final class DumpServer implements AutoCloseable {

  private static final String BASE_PATH = "/pageviews/";

  private final HttpServer server;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final Map<String, Deque<byte[]>> nextAnswers = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

  private DumpServer(HttpServer server) {
    this.server = server;
  }

  /** Starts a server on a free loopback port. */
  public static DumpServer start() {
    try {
      HttpServer http =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      DumpServer dumps = new DumpServer(http);
      http.createContext(BASE_PATH, dumps::answer);
      http.setExecutor(
          Executors.newFixedThreadPool(
              2,
              r -> {
                Thread thread = new Thread(r, "dump-server");
                thread.setDaemon(true); // never what keeps a demo's JVM alive
                return thread;
              }));
      http.start();
      return dumps;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the dump server", e);
    }
  }

  /** The base URL the importer is configured with. */
  public String baseUrl() {
    return "http://"
        + server.getAddress().getAddress().getHostAddress()
        + ":"
        + server.getAddress().getPort()
        + BASE_PATH.substring(0, BASE_PATH.length() - 1);
  }

  /** Publishes {@code content} at {@code path} (below the base URL). */
  public void publish(String path, byte[] content) {
    files.put(path, content);
  }

  /** Answers the next request for {@code path} with {@code content}, once, before the file. */
  public void answerOnce(String path, byte[] content) {
    nextAnswers.computeIfAbsent(path, p -> new ConcurrentLinkedDeque<>()).add(content);
  }

  /** How many requests asked for {@code path}. */
  public int requests(String path) {
    AtomicInteger count = requests.get(path);
    return count == null ? 0 : count.get();
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath().substring(BASE_PATH.length());
      requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      Deque<byte[]> queued = nextAnswers.get(path);
      byte[] once = queued == null ? null : queued.poll();
      byte[] content = once != null ? once : files.get(path);
      if (content == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      exchange.sendResponseHeaders(200, content.length);
      try (OutputStream body = exchange.getResponseBody()) {
        body.write(content);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
