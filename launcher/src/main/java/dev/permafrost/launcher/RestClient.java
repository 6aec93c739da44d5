package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * JSON over HTTP to the services, failing with one line that names the URL and the problem's
 * detail.
 */
final class RestClient {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Duration timeout;

  /** A client whose calls may take a minute. */
  RestClient() {
    this(Duration.ofMinutes(1));
  }

  /**
   * @param timeout how long one call may take: verifying or erasing answers only when done
   */
  RestClient(Duration timeout) {
    this.timeout = timeout;
  }

  JsonNode get(String url) {
    return json(call(HttpRequest.newBuilder(URI.create(url)).GET()));
  }

  /** The body of a GET as text, e.g. Prometheus metrics or a report's text form. */
  String getText(String url) {
    return call(HttpRequest.newBuilder(URI.create(url)).GET()).body();
  }

  JsonNode post(String url, Object body) {
    try {
      return json(
          call(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private HttpResponse<String> call(HttpRequest.Builder request) {
    HttpRequest built = request.timeout(timeout).build();
    String what = built.method() + " " + built.uri();
    try {
      HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 400) {
        throw new IllegalStateException(
            oneLine(what + " answered " + response.statusCode() + ": " + detail(response.body())));
      }
      return response;
    } catch (HttpTimeoutException e) {
      throw new IllegalStateException(
          what + " gave no answer within " + timeout + "; the service may still be working on it",
          e);
    } catch (IOException e) {
      throw new IllegalStateException(oneLine(built.uri() + " is unreachable: " + reason(e)), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while calling " + built.uri(), e);
    }
  }

  private static JsonNode json(HttpResponse<String> response) {
    String body = response.body();
    if (body.isEmpty()) {
      return JSON.nullNode();
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalStateException(
          oneLine(response.uri() + " answered something that is not JSON: " + abbreviated(body)));
    }
  }

  /** A problem's {@code detail}, or the start of whatever else the body is. */
  private static String detail(String body) {
    if (body.startsWith("{")) {
      try {
        JsonNode problem = JSON.readTree(body);
        if (problem.hasNonNull("detail")) {
          return problem.path("detail").asText();
        }
      } catch (IOException e) {
        // not JSON after all: shown as text below
      }
    }
    return abbreviated(body);
  }

  private static String abbreviated(String text) {
    return text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }

  static String oneLine(String message) {
    return message.replaceAll("\\s+", " ").strip();
  }

  /** Why a call failed, also for exceptions without a message (a refused connection has none). */
  private static String reason(IOException e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
