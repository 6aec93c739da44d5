package dev.permafrost.exporter.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The exporter-service's own settings. */
@ConfigMapping(prefix = "permafrost.exporter")
public interface ExporterConfig {

  /** Cron of the scheduled export of due partitions; default daily at 01:00 UTC. */
  @WithDefault("0 0 1 * * ?")
  String schedule();

  /** Export jobs that run at the same time, to stay gentle on PostgreSQL; default 1. */
  @WithDefault("1")
  int concurrentJobs();

  /** Rows read per second at most, per job; 0 for no cap; default 0. */
  @WithDefault("0")
  long maxRowsPerSecond();

  /**
   * How long a worker may hold a partition's lease; longer than any one partition's export. Default
   * 1 hour.
   */
  @WithDefault("1h")
  java.time.Duration leaseDuration();

  /** PostgreSQL statement_timeout of the export's reads; default 30 minutes. */
  @WithDefault("30m")
  java.time.Duration statementTimeout();
}
