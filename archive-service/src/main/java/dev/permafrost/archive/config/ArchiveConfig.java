package dev.permafrost.archive.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The archive-service's own settings. */
@ConfigMapping(prefix = "permafrost.archive")
public interface ArchiveConfig {

  /** Local directory where chunk objects are read back; default under java.io.tmpdir. */
  Path workDir();

  /** Whether named failpoints may be armed; default false, true only in tests. */
  @WithDefault("false")
  boolean failpointsEnabled();

  /**
   * Failpoints at which the process halts at once, as if killed; honoured only when failpoints are
   * enabled, for crash tests that restart the service. Default none.
   */
  Optional<List<String>> failpointsHalt();

  /** How often stuck chunks are driven forward ({@code off} disables it); default 30s. */
  @WithDefault("30s")
  String reconcileInterval();

  /**
   * How long a chunk may sit in EXPORTED or VERIFIED before the reconciler takes it; default 1m.
   */
  @WithDefault("1m")
  Duration stuckAfter();

  /**
   * How many chunks of a restore are restored side by side, each in its own transaction: one copies
   * while another proves what it copied; default 2 (3 measured no faster on two cores).
   */
  @WithDefault("2")
  int restoreConcurrency();

  /**
   * A partition with more ACTIVE chunks than this has them merged into one by the reconciler;
   * default 4.
   */
  @WithDefault("4")
  int compactionMinChunks();

  /**
   * How long the objects of merged chunks stay in the store after the merge, for queries that
   * started before it; default 1 hour. The objects a one-tenant restore replaces stay as long.
   */
  @WithDefault("PT1H")
  Duration compactionGrace();

  /**
   * How often the store is searched for objects no catalog row references ({@code off} disables
   * it); default 1h.
   */
  @WithDefault("1h")
  String gcInterval();

  /**
   * How old an unreferenced object must be before it is deleted: longer than any upload, any
   * announcement still in Kafka and any query; default 1 day.
   */
  @WithDefault("P1D")
  Duration orphanGrace();
}
