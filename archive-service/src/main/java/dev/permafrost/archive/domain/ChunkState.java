package dev.permafrost.archive.domain;

/** The life of a chunk; see the state machine in docs/architecture.md. */
public enum ChunkState {
  /** Objects written by the exporter, not yet read back. */
  EXPORTED,
  /** Read back from the store and equal to the manifest; hot rows still present. */
  VERIFIED,
  /** Hot rows pruned in the same transaction; the only state queries read. */
  ACTIVE,
  /** Rows loaded back into PostgreSQL. */
  RESTORED,
  /** The read-back differed from the manifest; hot rows untouched. */
  CORRUPT,
  /** Replaced by a compacted or rewritten chunk. */
  SUPERSEDED,
  /** Erased together with a tenant. */
  PURGED
}
