package dev.permafrost.format;

/** A write-once key already holds different bytes: a bug or a second writer, never retried. */
public class ObjectConflictException extends RuntimeException {

  public ObjectConflictException(String message) {
    super(message);
  }
}
