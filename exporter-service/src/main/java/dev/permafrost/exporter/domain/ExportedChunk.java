package dev.permafrost.exporter.domain;

import java.util.UUID;

/**
 * The outcome of exporting one partition.
 *
 * @param sequence 1 for a partition's first chunk, 2.. for chunks of late rows
 * @param alreadyExported true if nothing was written now (exported before, or nothing new)
 */
public record ExportedChunk(
    String dataset,
    String partition,
    int sequence,
    UUID chunkId,
    long rows,
    long bytes,
    String rowDigest,
    boolean alreadyExported) {}
