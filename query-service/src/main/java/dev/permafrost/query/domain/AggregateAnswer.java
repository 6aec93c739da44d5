package dev.permafrost.query.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The answer to an {@link Aggregation}, over hot and cold rows together.
 *
 * @param to exclusive
 * @param rows one map per group: each group key's and each metric's name to its value
 * @param coldChunks how many ACTIVE chunks the answer covers
 */
public record AggregateAnswer(
    String dataset,
    Instant from,
    Instant to,
    List<String> groupBy,
    List<String> metrics,
    List<Map<String, Object>> rows,
    int coldChunks) {}
