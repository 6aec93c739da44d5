package dev.permafrost.support.config;

import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.Grain;
import dev.permafrost.format.LifecycleMode;
import dev.permafrost.support.rest.ProblemException;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** The configured datasets, checked once at start-up so that a typo fails the service at once. */
@Startup
@ApplicationScoped
public class Datasets {

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern TABLE =
      Pattern.compile("([A-Za-z_][A-Za-z0-9_]*\\.)?[A-Za-z_][A-Za-z0-9_]*");

  private final Map<String, DatasetDefinition> byName = new TreeMap<>();
  private final Map<String, PrunePolicy> prunePolicies = new TreeMap<>();

  public Datasets(PermafrostConfig config) {
    config
        .datasets()
        .forEach(
            (name, dataset) -> {
              byName.put(name, define(name, dataset));
              prunePolicies.put(name, prunePolicy(name, dataset));
            });
  }

  /** When a dataset's verified chunks may have their hot rows pruned. */
  public record PrunePolicy(boolean enabled, Duration cooling) {

    /** Whether a chunk verified at {@code verifiedAt} may be pruned at {@code now}. */
    public boolean allows(Instant verifiedAt, Instant now) {
      return enabled && !verifiedAt.plus(cooling).isAfter(now);
    }
  }

  /** The prune policy of dataset {@code name}, or a 404 problem naming the datasets there are. */
  public PrunePolicy prunePolicy(String name) {
    find(name);
    return prunePolicies.get(name);
  }

  /** The dataset called {@code name}, or a 404 problem naming the datasets there are. */
  public DatasetDefinition find(String name) {
    DatasetDefinition dataset = byName.get(name);
    if (dataset == null) {
      throw ProblemException.notFound(
          "Unknown dataset", "no dataset '" + name + "'; configured datasets: " + byName.keySet());
    }
    return dataset;
  }

  /**
   * The dataset a request body names, or a 400 problem naming the datasets there are: in a body, an
   * unknown name is a bad request rather than a missing resource.
   */
  public DatasetDefinition requireInRequest(String name) {
    if (name == null || name.isBlank()) {
      throw ProblemException.badRequest(
          "dataset is required; allowed: " + String.join(", ", byName.keySet()));
    }
    DatasetDefinition dataset = byName.get(name);
    if (dataset == null) {
      throw ProblemException.badRequest(
          "unknown dataset '" + name + "'; allowed: " + String.join(", ", byName.keySet()));
    }
    return dataset;
  }

  public Collection<DatasetDefinition> all() {
    return byName.values();
  }

  private static PrunePolicy prunePolicy(String name, PermafrostConfig.Dataset dataset) {
    if (dataset.pruneCooling().isNegative()) {
      throw new IllegalStateException(
          "invalid configuration of dataset "
              + name
              + ": permafrost.datasets."
              + name
              + ".prune-cooling must not be negative, got "
              + dataset.pruneCooling());
    }
    return new PrunePolicy(dataset.pruneEnabled(), dataset.pruneCooling());
  }

  private static DatasetDefinition define(String name, PermafrostConfig.Dataset dataset) {
    String prefix = "permafrost.datasets." + name + ".";
    try {
      return new DatasetDefinition(
          name,
          checked(prefix + "table", dataset.table(), TABLE),
          checked(prefix + "time-column", dataset.timeColumn(), IDENTIFIER),
          Grain.parse(dataset.grain()),
          checked(prefix + "primary-key", dataset.primaryKey(), IDENTIFIER),
          dataset.tenantColumn().map(c -> checked(prefix + "tenant-column", c, IDENTIFIER)),
          dataset.metricColumn().map(c -> checked(prefix + "metric-column", c, IDENTIFIER)),
          LifecycleMode.parse(dataset.mode()),
          dataset.sortKeys().orElse(List.of()).stream()
              .map(c -> checked(prefix + "sort-keys", c, IDENTIFIER))
              .toList(),
          dataset.hotRetention(),
          dataset.offloadColumns().orElse(List.of()).stream()
              .map(c -> checked(prefix + "offload-columns", c, IDENTIFIER))
              .toList(),
          new DatasetDefinition.FileLayout(
              dataset.codec().toUpperCase(java.util.Locale.ROOT),
              dataset.rowGroupBytes(),
              dataset.targetFileBytes(),
              dataset.splitPerTenant()));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "invalid configuration of dataset " + name + ": " + e.getMessage(), e);
    }
  }

  private static String checked(String key, String value, Pattern allowed) {
    if (!allowed.matcher(value).matches()) {
      throw new IllegalArgumentException(
          key + " is '" + value + "'; it must be a plain SQL identifier (" + allowed + ")");
    }
    return value;
  }
}
