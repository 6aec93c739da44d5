package dev.permafrost.archive.domain;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The record of a tenant's erasure: what was removed from each dataset, with counts and digests,
 * never row contents.
 *
 * @param finishedAt null while the erasure is still running or was interrupted
 */
public record Erasure(
    UUID erasureId,
    String tenant,
    String requestedBy,
    String reason,
    Instant requestedAt,
    Instant finishedAt,
    List<DatasetErasure> datasets) {

  /**
   * What one dataset lost.
   *
   * @param hotRowDigest digest of the hot rows deleted; null when none were
   * @param coldRowDigest digest of the rows removed from chunks; null when none were
   * @param chunks the chunks rewritten without the tenant or purged whole
   * @param objectsDeleted objects deleted from the store
   */
  public record DatasetErasure(
      String dataset,
      long hotRowsDeleted,
      String hotRowDigest,
      long coldRowsDeleted,
      String coldRowDigest,
      List<UUID> chunks,
      int objectsDeleted) {}
}
