package dev.permafrost.query.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;

/** The query-service's own settings. */
@ConfigMapping(prefix = "permafrost.query")
public interface QueryConfig {

  /** Directory of the local cache of chunk objects; default under java.io.tmpdir. */
  Path cacheDir();

  /**
   * The most bytes the local cache keeps; the least recently used copies go first. Default 1 GiB.
   */
  @WithDefault("1073741824")
  long cacheMaxBytes();

  /**
   * How many cold partial answers are kept, the least recently used going first: one per question,
   * or one per cold partition of a question per day or hour. Default 20000.
   */
  @WithDefault("20000")
  int coldAnswers();

  /** How long a question may wait for its cold part before it fails with 503; default 60 s. */
  @WithDefault("PT60S")
  java.time.Duration coldTimeout();

  /** The longest range one request may cover, in days; default 3660 (ten years). */
  @WithDefault("3660")
  int maxRangeDays();

  /** Whether tests may run work inside a query ({@code QueryHooks}); never in production. */
  @WithDefault("false")
  boolean hooksEnabled();

  /**
   * The most bytes of chunk objects one month may hold to be merged into one sorted local copy,
   * which cold questions over that month read instead of its chunk files; 0 merges nothing. Default
   * 256 MiB.
   */
  @WithDefault("268435456")
  long mergedCopyMaxBytes();

  /** The most rows one answer may hold; default 10000. */
  @WithDefault("10000")
  int maxLimit();

  /** The Wikimedia page-view reports. */
  Wikimedia wikimedia();

  /** The Wikimedia page-view reports. */
  interface Wikimedia {
    /** The hourly dataset of page views; default {@code wiki_pageviews}. */
    @WithDefault("wiki_pageviews")
    String dataset();

    /**
     * The deny-list of pages left out of reports: a file path or an http(s) URL of lines {@code
     * domain page}; default none.
     */
    java.util.Optional<String> denyList();

    /** Key prefix in the bucket under which written reports are kept; default reports/wikimedia. */
    @WithDefault("reports/wikimedia")
    String reportPrefix();
  }
}
