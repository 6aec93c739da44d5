package dev.permafrost.query.domain;

import java.util.UUID;

/** One object of an ACTIVE chunk, as the catalog lists it. */
public record ColdObject(UUID chunkId, String partition, String key, String sha256, long bytes) {}
