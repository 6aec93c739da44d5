package dev.permafrost.query.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;

/** The query-service's own settings. */
@ConfigMapping(prefix = "permafrost.query")
public interface QueryConfig {

  /** Directory of the local cache of chunk objects; default under java.io.tmpdir. */
  Path cacheDir();

  /** The longest range one request may cover, in days; default 3660 (ten years). */
  @WithDefault("3660")
  int maxRangeDays();
}
