package dev.permafrost.archive.service;

/**
 * The hot rows no longer match the chunk (changed after the export, or the table changed), so
 * nothing was deleted. The chunk stays VERIFIED with the reason as its last error.
 */
public class PruneRefusedException extends RuntimeException {

  public PruneRefusedException(String message) {
    super(message);
  }
}
