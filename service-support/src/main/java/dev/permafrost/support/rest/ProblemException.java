package dev.permafrost.support.rest;

/**
 * An error a client can act on, answered as RFC 9457 problem+json. Throwing it means nothing was
 * changed.
 */
public class ProblemException extends RuntimeException {

  private final int status;
  private final String title;

  public ProblemException(int status, String title, String detail) {
    super(detail);
    this.status = status;
    this.title = title;
  }

  /** 400: the request itself is wrong; {@code detail} says what is allowed. */
  public static ProblemException badRequest(String detail) {
    return new ProblemException(400, "Invalid request", detail);
  }

  public static ProblemException notFound(String title, String detail) {
    return new ProblemException(404, title, detail);
  }

  public static ProblemException conflict(String detail) {
    return new ProblemException(409, "Conflict", detail);
  }

  /** 503: a dependency such as the object store could not be read; retrying may help. */
  public static ProblemException unavailable(String detail) {
    return new ProblemException(503, "Cold data unavailable", detail);
  }

  /** Parses an id from a request, or a 400 problem naming the {@code what} that was malformed. */
  public static java.util.UUID parseUuid(String what, String value) {
    try {
      return java.util.UUID.fromString(value);
    } catch (IllegalArgumentException e) {
      throw badRequest(what + " '" + value + "' is not a UUID");
    }
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }
}
