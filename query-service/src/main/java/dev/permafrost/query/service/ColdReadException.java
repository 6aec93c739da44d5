package dev.permafrost.query.service;

/** A cold chunk could not be read; the request fails rather than answer without it. */
public class ColdReadException extends RuntimeException {

  public ColdReadException(String message, Throwable cause) {
    super(message, cause);
  }
}
