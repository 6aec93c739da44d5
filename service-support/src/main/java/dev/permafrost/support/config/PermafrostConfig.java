package dev.permafrost.support.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Configuration every Permafrost service shares: its schema, the object store and datasets. */
@ConfigMapping(prefix = "permafrost")
public interface PermafrostConfig {

  /** The PostgreSQL schema this service owns; no default, each service sets its own. */
  String schema();

  /** Where chunk objects are stored. */
  ObjectStore objectStore();

  /** The outbox relay. */
  Outbox outbox();

  /** The configured tables, by dataset name; the demo ships {@code pageviews}. */
  Map<String, Dataset> datasets();

  /** Where chunk objects are stored. */
  interface ObjectStore {
    /** The bucket; no default. */
    String bucket();

    /** Key prefix under which every dataset's folder lives; default {@code cold}. */
    @WithDefault("cold")
    String prefix();
  }

  /** The outbox relay. */
  interface Outbox {
    /** How often unpublished events are looked for; default 1 s, the scheduler's finest step. */
    @WithDefault("1s")
    Duration pollInterval();

    /** Events relayed per transaction; default 100. */
    @WithDefault("100")
    int batchSize();
  }

  /** One configured table. */
  interface Dataset {
    /** The table, optionally schema-qualified; no default. */
    String table();

    /** Column that places a row in a partition (date, timestamp or timestamptz); no default. */
    String timeColumn();

    /** Partition width: hour, day or month; default day. */
    @WithDefault("day")
    String grain();

    /** A single column identifying a row; no default. */
    String primaryKey();

    /** Column naming a row's tenant; default none. */
    Optional<String> tenantColumn();

    /** Column that dashboards sum; default none. */
    Optional<String> metricColumn();

    /** move (delete rows) or offload (null heavy columns); default move. */
    @WithDefault("move")
    String mode();

    /** Order of rows inside a chunk; default the primary key. */
    Optional<List<String>> sortKeys();

    /** How long a closed partition stays hot; default 7 days. */
    @WithDefault("P7D")
    Duration hotRetention();

    /** The heavy columns that leave PostgreSQL in mode offload; default none. */
    Optional<List<String>> offloadColumns();

    /** Parquet codec: ZSTD, SNAPPY, GZIP or UNCOMPRESSED; default ZSTD. */
    @WithDefault("ZSTD")
    String codec();

    /** Target row group size in bytes; default 8 MiB, which engines split and skip well. */
    @WithDefault("8388608")
    long rowGroupBytes();

    /** A chunk's rows go to a new file once the current one reaches this size; default 256 MiB. */
    @WithDefault("268435456")
    long targetFileBytes();

    /** One file per tenant under tenant=T directories; needs tenant-column; default false. */
    @WithDefault("false")
    boolean splitPerTenant();

    /**
     * Whether verified chunks may have their hot rows pruned; default false, so that a new dataset
     * is exported and verified for a while before anything leaves PostgreSQL.
     */
    @WithDefault("false")
    boolean pruneEnabled();

    /** How long a chunk stays VERIFIED, hot rows kept, before it may be pruned; default 1 hour. */
    @WithDefault("PT1H")
    Duration pruneCooling();
  }
}
