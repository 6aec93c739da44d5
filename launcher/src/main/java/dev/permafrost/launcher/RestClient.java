package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** JSON over HTTP to the services, failing with the URL and the problem's detail. */
final class RestClient {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  JsonNode get(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).GET());
  }

  /** The body of a GET as text, e.g. Prometheus metrics. */
  String getText(String url) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url)).GET().timeout(Duration.ofSeconds(60)).build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 400) {
        String body = response.body();
        throw new IllegalStateException(
            "GET "
                + url
                + " answered "
                + response.statusCode()
                + ": "
                + (body.length() > 500 ? body.substring(0, 500) + "..." : body));
      }
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException(url + " is unreachable: " + reason(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while calling " + url, e);
    }
  }

  JsonNode post(String url, Object body) {
    try {
      return send(
          HttpRequest.newBuilder(URI.create(url))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private JsonNode send(HttpRequest.Builder request) {
    HttpRequest built = request.timeout(Duration.ofSeconds(60)).build();
    try {
      HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
      JsonNode body = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
      if (response.statusCode() >= 400) {
        throw new IllegalStateException(
            built.method()
                + " "
                + built.uri()
                + " answered "
                + response.statusCode()
                + ": "
                + body.path("detail").asText(response.body()));
      }
      return body;
    } catch (IOException e) {
      throw new IllegalStateException(built.uri() + " is unreachable: " + reason(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while calling " + built.uri(), e);
    }
  }

  /** Why a call failed, also for exceptions without a message (a refused connection has none). */
  private static String reason(IOException e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
