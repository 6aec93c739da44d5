package dev.permafrost.contracts;

/**
 * A record that is not a valid event of the expected type and version. Permanent: retrying cannot
 * help, so consumers send it to the dead-letter topic.
 */
public class MalformedEventException extends RuntimeException {

  public MalformedEventException(String message, Throwable cause) {
    super(message, cause);
  }

  public MalformedEventException(String message) {
    super(message);
  }
}
