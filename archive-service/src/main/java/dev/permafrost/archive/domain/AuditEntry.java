package dev.permafrost.archive.domain;

import java.time.Instant;
import java.util.UUID;

/** One audited verification or deletion: counts and digests, never row contents. */
public record AuditEntry(
    long id,
    Instant at,
    String action,
    String dataset,
    String partition,
    UUID chunkId,
    long rows,
    String rowDigest,
    String detail) {}
