package dev.permafrost.archive.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;

/** The archive-service's own settings. */
@ConfigMapping(prefix = "permafrost.archive")
public interface ArchiveConfig {

  /** Local directory where chunk objects are read back; default under java.io.tmpdir. */
  Path workDir();

  /** Whether named failpoints may be armed; default false, true only in tests. */
  @WithDefault("false")
  boolean failpointsEnabled();

  /** How often stuck chunks are driven forward ({@code off} disables it); default 30s. */
  @WithDefault("30s")
  String reconcileInterval();

  /**
   * How long a chunk may sit in EXPORTED or VERIFIED before the reconciler takes it; default 1m.
   */
  @WithDefault("1m")
  Duration stuckAfter();
}
