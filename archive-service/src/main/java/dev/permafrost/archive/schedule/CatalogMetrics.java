package dev.permafrost.archive.schedule;

import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.support.jdbc.Transactions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Publishes how many chunks are in each state ({@code permafrost.archive.chunks{state}}), counted
 * from the catalog on a schedule rather than on every scrape.
 */
@ApplicationScoped
public class CatalogMetrics {

  private static final Logger LOG = Logger.getLogger(CatalogMetrics.class);

  private final DataSource dataSource;
  private final Map<ChunkState, Long> counts = new ConcurrentHashMap<>();

  public CatalogMetrics(DataSource dataSource, MeterRegistry metrics) {
    this.dataSource = dataSource;
    for (ChunkState state : ChunkState.values()) {
      counts.put(state, 0L);
      Gauge.builder("permafrost.archive.chunks", counts, c -> c.get(state))
          .tag("state", state.name())
          .description("Chunks in the catalog in this state")
          .register(metrics);
    }
  }

  @Scheduled(every = "15s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void refresh() {
    try {
      Map<ChunkState, Long> fresh =
          Transactions.inSnapshot(
              dataSource,
              c -> {
                Map<ChunkState, Long> byState = new java.util.EnumMap<>(ChunkState.class);
                for (ChunkState state : ChunkState.values()) {
                  byState.put(state, 0L);
                }
                try (PreparedStatement select =
                        c.prepareStatement(
                            "SELECT state, count(*) FROM archive.chunk GROUP BY state");
                    ResultSet rs = select.executeQuery()) {
                  while (rs.next()) {
                    byState.put(ChunkState.valueOf(rs.getString(1)), rs.getLong(2));
                  }
                }
                return byState;
              });
      counts.putAll(fresh);
    } catch (RuntimeException e) {
      LOG.warnf("could not count chunks by state: %s", e.getMessage());
    }
  }
}
