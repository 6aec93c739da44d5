package dev.permafrost.exporter.domain;

import java.util.UUID;

/**
 * The outcome of exporting one partition.
 *
 * @param alreadyExported true if an earlier run had exported it and nothing was written now
 */
public record ExportedChunk(
    String dataset,
    String partition,
    UUID chunkId,
    long rows,
    long bytes,
    String rowDigest,
    boolean alreadyExported) {}
