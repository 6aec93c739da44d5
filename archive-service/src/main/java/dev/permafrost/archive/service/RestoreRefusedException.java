package dev.permafrost.archive.service;

import dev.permafrost.archive.domain.Chunk;

/**
 * A restore of a chunk that must not commit: its rows, its table or its cold copy are not what the
 * catalog says. Thrown inside the restore's transaction, so that nothing of it stays.
 */
class RestoreRefusedException extends RuntimeException {

  private final transient Chunk damagedChunk;
  private final transient ReadBack damage;

  RestoreRefusedException(String message) {
    this(message, null, null);
  }

  /** The chunk's cold copy is damaged; the damage is recorded once the transaction is gone. */
  RestoreRefusedException(String message, Chunk damagedChunk, ReadBack damage) {
    super(message);
    this.damagedChunk = damagedChunk;
    this.damage = damage;
  }

  Chunk damagedChunk() {
    return damagedChunk;
  }

  ReadBack damage() {
    return damage;
  }
}
