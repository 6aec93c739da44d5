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

  /** The importer of Wikimedia's hourly page-view dumps. */
  Wikimedia wikimedia();

  /** The importer of Wikimedia's hourly page-view dumps. */
  interface Wikimedia {
    /**
     * Where the dumps are published, as {@code BASE/YYYY/YYYY-MM/pageviews-YYYYMMDD-HH0000.gz};
     * default Wikimedia's public dumps site.
     */
    @WithDefault("https://dumps.wikimedia.org/other/pageviews")
    String baseUrl();

    /**
     * Where downloaded dumps are kept, laid out by year and month; default under java.io.tmpdir.
     */
    java.nio.file.Path cacheDir();

    /** The dataset whose table takes the rows; default {@code wiki_pageviews}. */
    @WithDefault("wiki_pageviews")
    String dataset();

    /**
     * Download attempts of one hour's file, the first included, before the hour fails: a corrupt
     * file or a server error is fetched again; default 4.
     */
    @WithDefault("4")
    int downloadAttempts();

    /** Wait before the first retry of a download, doubled for each further one; default 2 s. */
    @WithDefault("2s")
    java.time.Duration retryBackoff();

    /** Longest time one download may take, transfer included; default 10 minutes. */
    @WithDefault("10m")
    java.time.Duration downloadTimeout();

    /** Cron of the catch-up import of recent hours not imported yet; default off. */
    @WithDefault("off")
    String catchUpSchedule();

    /** How many of the latest closed hours the catch-up looks at; default 24. */
    @WithDefault("24")
    int catchUpHours();
  }
}
