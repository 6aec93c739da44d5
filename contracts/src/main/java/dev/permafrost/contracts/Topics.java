package dev.permafrost.contracts;

/** Kafka topic names, shared by producers, consumers, configuration and tests. */
public final class Topics {

  public static final String PARTITION_READY = "permafrost.partition-ready";
  public static final String RESTORE_REQUESTED = "permafrost.restore-requested";
  public static final String IMPORT_COMPLETED = "permafrost.import-completed";
  public static final String PARTITION_ARCHIVED = "permafrost.partition-archived";
  public static final String PARTITION_RESTORED = "permafrost.partition-restored";
  public static final String TENANT_PURGE_REQUESTED = "permafrost.tenant-purge-requested";
  public static final String TENANT_PURGED = "permafrost.tenant-purged";

  /** Suffix of the dead-letter topic that receives records a consumer could not handle. */
  public static final String DEAD_LETTER_SUFFIX = ".dlq";

  private Topics() {}

  /** The dead-letter topic of {@code topic}. */
  public static String deadLetter(String topic) {
    return topic + DEAD_LETTER_SUFFIX;
  }
}
