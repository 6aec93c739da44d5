package dev.permafrost.archive.domain;

import java.util.Map;
import java.util.UUID;

/**
 * Where a dataset's data is: partitions and chunks per state, rows and bytes per tier.
 *
 * @param partitionsByState how many partitions have a chunk in each state (a partition with chunks
 *     in two states counts in both)
 * @param chunksByState how many chunks are in each state
 * @param hotPartitions partitions with rows in the PostgreSQL table
 * @param hotRows rows in the PostgreSQL table, counted exactly
 * @param coldRows rows in ACTIVE chunks
 * @param postgresBytes the table's size with indexes and TOAST
 * @param objectStoreBytes bytes of the chunks whose objects are kept (every state but PURGED)
 * @param oldestUnarchivedPartition the partition of the oldest hot row; null when none is hot
 * @param lastError the newest error recorded on a chunk; null when none has one
 */
public record DatasetStatus(
    String dataset,
    String table,
    Map<ChunkState, Long> partitionsByState,
    Map<ChunkState, Long> chunksByState,
    long hotPartitions,
    long hotRows,
    long coldRows,
    long postgresBytes,
    long objectStoreBytes,
    String oldestUnarchivedPartition,
    ChunkError lastError) {

  /** An error recorded on a chunk. */
  public record ChunkError(UUID chunkId, String partition, ChunkState state, String error) {}
}
