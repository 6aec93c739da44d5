package dev.permafrost.archive.domain;

import java.time.Instant;
import java.util.UUID;

/**
 * A restore request and how far it got.
 *
 * @param tenant the one tenant whose rows are restored; null for whole chunks
 * @param state RUNNING, DONE or FAILED
 * @param error why it failed; null otherwise
 */
public record RestoreStatus(
    UUID requestId,
    String dataset,
    Instant from,
    Instant to,
    String tenant,
    String reason,
    String requestedBy,
    String state,
    int chunksTotal,
    int chunksDone,
    long rowsRestored,
    String error,
    Instant requestedAt,
    Instant finishedAt) {}
