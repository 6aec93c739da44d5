package dev.permafrost.exporter.schedule;

import dev.permafrost.exporter.service.ExportJobService;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.TableSchema;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Exports, on a schedule, every closed partition older than hot retention that has no chunk yet;
 * starting from the oldest row means a day of downtime is caught up on the next run.
 */
@ApplicationScoped
public class DueExportSchedule {

  private static final Logger LOG = Logger.getLogger(DueExportSchedule.class);

  private final Datasets datasets;
  private final ExportJobService jobService;
  private final DataSource dataSource;

  public DueExportSchedule(Datasets datasets, ExportJobService jobService, DataSource dataSource) {
    this.datasets = datasets;
    this.jobService = jobService;
    this.dataSource = dataSource;
  }

  @Scheduled(
      cron = "{permafrost.exporter.schedule}",
      timeZone = "UTC",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void exportDuePartitions() {
    for (DatasetDefinition dataset : datasets.all()) {
      try {
        oldestRow(dataset).ifPresent(oldest -> jobService.startDueExport(dataset, oldest));
      } catch (RuntimeException e) {
        LOG.errorf(e, "scheduled export of %s could not start", dataset.name());
      }
    }
  }

  private Optional<Instant> oldestRow(DatasetDefinition dataset) {
    return Transactions.inSnapshot(
        dataSource,
        connection -> {
          TableSchema schema = PgTables.readSchema(connection, dataset.table());
          String time = DatasetDefinition.quote(dataset.timeColumn());
          try (Statement statement = connection.createStatement();
              ResultSet rs =
                  statement.executeQuery("SELECT min(" + time + ") FROM " + dataset.table())) {
            rs.next();
            Object oldest =
                PgTables.readValue(rs, 1, schema.column(schema.indexOf(dataset.timeColumn())));
            return Optional.ofNullable(oldest).map(dev.permafrost.format.TimeBounds::toInstant);
          }
        });
  }
}
