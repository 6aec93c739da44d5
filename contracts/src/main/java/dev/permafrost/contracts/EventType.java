package dev.permafrost.contracts;

import dev.permafrost.contracts.v1.ImportCompleted;
import dev.permafrost.contracts.v1.PartitionArchived;
import dev.permafrost.contracts.v1.PartitionReady;
import dev.permafrost.contracts.v1.PartitionRestored;
import dev.permafrost.contracts.v1.RestoreRequested;
import dev.permafrost.contracts.v1.TenantPurgeRequested;
import dev.permafrost.contracts.v1.TenantPurged;
import java.util.Arrays;
import java.util.Optional;

/** Every event Permafrost publishes: its wire name, topic, schema version and payload type. */
public enum EventType {
  PARTITION_READY("partition-ready", Topics.PARTITION_READY, 1, PartitionReady.class),
  RESTORE_REQUESTED("restore-requested", Topics.RESTORE_REQUESTED, 1, RestoreRequested.class),
  IMPORT_COMPLETED("import-completed", Topics.IMPORT_COMPLETED, 1, ImportCompleted.class),
  PARTITION_ARCHIVED("partition-archived", Topics.PARTITION_ARCHIVED, 1, PartitionArchived.class),
  PARTITION_RESTORED("partition-restored", Topics.PARTITION_RESTORED, 1, PartitionRestored.class),
  TENANT_PURGE_REQUESTED(
      "tenant-purge-requested", Topics.TENANT_PURGE_REQUESTED, 1, TenantPurgeRequested.class),
  TENANT_PURGED("tenant-purged", Topics.TENANT_PURGED, 1, TenantPurged.class);

  private final String wireName;
  private final String topic;
  private final int schemaVersion;
  private final Class<?> payloadType;

  EventType(String wireName, String topic, int schemaVersion, Class<?> payloadType) {
    this.wireName = wireName;
    this.topic = topic;
    this.schemaVersion = schemaVersion;
    this.payloadType = payloadType;
  }

  /** The {@code type} field of the envelope. */
  public String wireName() {
    return wireName;
  }

  public String topic() {
    return topic;
  }

  public int schemaVersion() {
    return schemaVersion;
  }

  public Class<?> payloadType() {
    return payloadType;
  }

  /** The type whose payload class is {@code payloadType}, if it is an event payload. */
  public static Optional<EventType> ofPayload(Class<?> payloadType) {
    return Arrays.stream(values()).filter(t -> t.payloadType == payloadType).findFirst();
  }

  public static Optional<EventType> ofWireName(String wireName) {
    return Arrays.stream(values()).filter(t -> t.wireName.equals(wireName)).findFirst();
  }
}
