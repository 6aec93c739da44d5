package dev.permafrost.format;

import java.util.Arrays;

/** What leaves PostgreSQL when a partition goes cold. */
public enum LifecycleMode {
  /** Whole rows are deleted once their chunk is verified. */
  MOVE,
  /** Rows stay; their heavy columns are nulled and the row points to its chunk. */
  OFFLOAD;

  public static LifecycleMode parse(String value) {
    return Arrays.stream(values())
        .filter(m -> m.name().equalsIgnoreCase(value))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown mode '" + value + "'; allowed: move, offload"));
  }
}
