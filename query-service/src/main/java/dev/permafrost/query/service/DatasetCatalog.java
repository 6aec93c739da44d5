package dev.permafrost.query.service;

import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.v1.RestoreRequested;
import dev.permafrost.format.Column;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.query.domain.DatasetInfo;
import dev.permafrost.query.persistence.ActiveChunks;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.messaging.Outbox;
import dev.permafrost.support.rest.ProblemException;
import dev.permafrost.support.rest.TimeRange;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The configured datasets as dashboards see them, and restore requests passed on to the archive.
 */
@ApplicationScoped
public class DatasetCatalog {

  private final DataSource dataSource;
  private final Datasets datasets;
  private final DashboardQueries queries;
  private final ActiveChunks chunks;
  private final Outbox outbox;
  private final MergedCopies copies;
  private final MonthRollups rollups;
  private final Clock clock = Clock.systemUTC();

  public DatasetCatalog(
      DataSource dataSource,
      Datasets datasets,
      DashboardQueries queries,
      ActiveChunks chunks,
      Outbox outbox,
      MergedCopies copies,
      MonthRollups rollups) {
    this.dataSource = dataSource;
    this.datasets = datasets;
    this.queries = queries;
    this.chunks = chunks;
    this.outbox = outbox;
    this.copies = copies;
    this.rollups = rollups;
  }

  /** Every configured dataset, by name, without columns and tiers. */
  public List<DatasetInfo> all() {
    return datasets.all().stream()
        .sorted(Comparator.comparing(DatasetDefinition::name))
        .map(d -> info(d, null, null))
        .toList();
  }

  /** One dataset with the columns queries may use and the rows in each tier, one snapshot. */
  public DatasetInfo describe(String name) {
    DatasetDefinition dataset = datasets.find(name);
    List<DatasetInfo.ColumnInfo> columns =
        queries.columns(dataset).stream().map(DatasetCatalog::columnInfo).toList();
    DatasetInfo.Tiers tiers =
        Transactions.inSnapshot(
            dataSource,
            c -> {
              String time = DatasetDefinition.quote(dataset.timeColumn());
              DatasetInfo.Hot hot;
              try (PreparedStatement select =
                      c.prepareStatement(
                          "SELECT count(*), min("
                              + time
                              + ")::text, max("
                              + time
                              + ")::text FROM "
                              + dataset.table());
                  ResultSet rs = select.executeQuery()) {
                rs.next();
                hot = new DatasetInfo.Hot(rs.getLong(1), rs.getString(2), rs.getString(3));
              }
              DatasetInfo.Cold cold =
                  chunks
                      .summary(c, dataset.name())
                      .withKept(
                          copies.months(dataset.name()),
                          rollups.tables(dataset.name()),
                          rollups.queued(dataset.name()));
              return new DatasetInfo.Tiers(hot, cold);
            });
    return info(dataset, columns, tiers);
  }

  /**
   * Passes a restore request on to the archive-service as {@code restore-requested}, through the
   * outbox: once this returns, the request will be published.
   *
   * @return the request id, to follow at the archive-service's {@code /api/v1/restores/{id}}
   */
  public UUID requestRestore(
      String name, String from, String to, String tenant, String reason, String requestedBy) {
    DatasetDefinition dataset = datasets.find(name);
    TimeRange range = TimeRange.parse(from, to);
    if (tenant != null && dataset.tenantColumn().isEmpty()) {
      throw ProblemException.badRequest(
          "dataset "
              + name
              + " has no tenant column, so its chunks are restored whole; omit tenant");
    }
    RestoreRequested request =
        new RestoreRequested(
            UUID.randomUUID(),
            dataset.name(),
            range.from(),
            range.to(),
            tenant,
            reason,
            requestedBy == null ? "query-service" : requestedBy);
    Transactions.inTransaction(
        dataSource,
        c -> {
          outbox.append(c, EventEnvelope.of(dataset.name(), clock.instant(), request));
          return null;
        });
    return request.requestId();
  }

  private static DatasetInfo info(
      DatasetDefinition dataset, List<DatasetInfo.ColumnInfo> columns, DatasetInfo.Tiers tiers) {
    return new DatasetInfo(
        dataset.name(),
        dataset.table(),
        dataset.timeColumn(),
        dataset.grain().name().toLowerCase(Locale.ROOT),
        dataset.mode().name().toLowerCase(Locale.ROOT),
        dataset.tenantColumn().orElse(null),
        dataset.metricColumn().orElse(null),
        columns,
        tiers);
  }

  private static DatasetInfo.ColumnInfo columnInfo(Column column) {
    return new DatasetInfo.ColumnInfo(
        column.name(),
        column.type().name().toLowerCase(Locale.ROOT),
        QuestionParser.GROUPABLE.contains(column.type()),
        QuestionParser.MEASURABLE.contains(column.type()));
  }
}
