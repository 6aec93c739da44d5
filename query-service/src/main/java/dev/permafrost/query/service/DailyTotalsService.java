package dev.permafrost.query.service;

import dev.permafrost.format.ColumnType;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.TableSchema;
import dev.permafrost.format.TimeBounds;
import dev.permafrost.query.config.QueryConfig;
import dev.permafrost.query.domain.ColdObject;
import dev.permafrost.query.domain.DailyTotals;
import dev.permafrost.query.persistence.ActiveChunks;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.rest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Sums a dataset's metric per UTC day over hot and cold rows. The catalog and the hot rows are read
 * in one REPEATABLE READ snapshot, so the answer equals that of one table holding all rows; cold
 * objects are immutable, so reading them after the snapshot closes changes nothing.
 */
@ApplicationScoped
public class DailyTotalsService {

  private final DataSource dataSource;
  private final Datasets datasets;
  private final ActiveChunks activeChunks;
  private final ObjectCache cache;
  private final ColdEngine engine;
  private final QueryConfig config;

  public DailyTotalsService(
      DataSource dataSource,
      Datasets datasets,
      ActiveChunks activeChunks,
      ObjectCache cache,
      ColdEngine engine,
      QueryConfig config) {
    this.dataSource = dataSource;
    this.datasets = datasets;
    this.activeChunks = activeChunks;
    this.cache = cache;
    this.engine = engine;
    this.config = config;
  }

  /**
   * Daily totals from {@code from} to {@code to}, both inclusive.
   *
   * @param tenant only this tenant's rows; null for all
   * @throws ProblemException 400 for a bad request, 503 if a cold chunk cannot be read
   */
  public DailyTotals dailyTotals(String datasetName, String tenant, LocalDate from, LocalDate to) {
    DatasetDefinition dataset = datasets.find(datasetName);
    String metric =
        dataset
            .metricColumn()
            .orElseThrow(
                () ->
                    ProblemException.badRequest(
                        "dataset " + datasetName + " has no metric-column configured"));
    if (tenant != null && dataset.tenantColumn().isEmpty()) {
      throw ProblemException.badRequest(
          "dataset " + datasetName + " has no tenant column to filter by");
    }
    if (from.isAfter(to)) {
      throw ProblemException.badRequest("from (" + from + ") must not be after to (" + to + ")");
    }
    if (ChronoUnit.DAYS.between(from, to) >= config.maxRangeDays()) {
      throw ProblemException.badRequest(
          "the range "
              + from
              + ".."
              + to
              + " is longer than the allowed "
              + config.maxRangeDays()
              + " days");
    }
    Instant start = from.atStartOfDay().toInstant(ZoneOffset.UTC);
    Instant end = to.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);

    Snapshot snapshot =
        Transactions.inSnapshot(
            dataSource, c -> readSnapshot(c, dataset, metric, tenant, start, end));
    Map<LocalDate, Long> totals = new TreeMap<>(snapshot.hotTotals());
    if (!snapshot.coldObjects().isEmpty()) {
      coldTotals(dataset, snapshot, metric, start, end)
          .forEach((day, total) -> totals.merge(day, total, Long::sum));
    }
    return new DailyTotals(
        dataset.name(),
        metric,
        tenant,
        from,
        to,
        totals.entrySet().stream().map(e -> new DailyTotals.Day(e.getKey(), e.getValue())).toList(),
        (int) snapshot.coldObjects().stream().map(ColdObject::chunkId).distinct().count());
  }

  /** What one snapshot says: the hot totals and which cold objects hold the other rows. */
  private record Snapshot(
      ColumnType timeType,
      Object tenantValue,
      Map<LocalDate, Long> hotTotals,
      List<ColdObject> coldObjects) {}

  private Snapshot readSnapshot(
      Connection snapshot,
      DatasetDefinition dataset,
      String metric,
      String tenant,
      Instant start,
      Instant end)
      throws SQLException {
    TableSchema schema = PgTables.readSchema(snapshot, dataset.table());
    ColumnType timeType = schema.column(schema.indexOf(dataset.timeColumn())).type();
    ColumnType metricType = schema.column(schema.indexOf(metric)).type();
    if (metricType != ColumnType.SMALLINT
        && metricType != ColumnType.INTEGER
        && metricType != ColumnType.BIGINT) {
      // Integer sums are exact on both tiers, so adding the two partial sums changes nothing.
      throw ProblemException.badRequest(
          "metric column "
              + metric
              + " of dataset "
              + dataset.name()
              + " has type "
              + metricType.name().toLowerCase()
              + "; daily totals need smallint, integer or bigint");
    }
    Object tenantValue = tenant == null ? null : tenantValue(dataset, schema, tenant);
    List<ColdObject> cold = activeChunks.overlapping(snapshot, dataset.name(), start, end);

    String time = DatasetDefinition.quote(dataset.timeColumn());
    String day =
        timeType == ColumnType.TIMESTAMPTZ
            ? "(" + time + " AT TIME ZONE 'UTC')::date"
            : time + "::date";
    String sql =
        "SELECT "
            + day
            + ", sum("
            + DatasetDefinition.quote(metric)
            + ")::bigint FROM "
            + dataset.table()
            + " WHERE "
            + time
            + " >= ? AND "
            + time
            + " < ?"
            + (tenantValue == null
                ? ""
                : " AND " + DatasetDefinition.quote(dataset.tenantColumn().get()) + " = ?")
            + " GROUP BY 1";
    Map<LocalDate, Long> hot = new TreeMap<>();
    try (PreparedStatement select = snapshot.prepareStatement(sql)) {
      TimeBounds.bind(select, 1, timeType, start);
      TimeBounds.bind(select, 2, timeType, end);
      if (tenantValue != null) {
        select.setObject(3, tenantValue);
      }
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          hot.put(rs.getObject(1, LocalDate.class), rs.getLong(2));
        }
      }
    }
    return new Snapshot(timeType, tenantValue, hot, cold);
  }

  private Map<LocalDate, Long> coldTotals(
      DatasetDefinition dataset, Snapshot snapshot, String metric, Instant start, Instant end) {
    List<Path> files = snapshot.coldObjects().stream().map(cache::localCopy).toList();
    String fileList =
        files.stream()
            .map(f -> "'" + f.toAbsolutePath().toString().replace("'", "''") + "'")
            .collect(Collectors.joining(", "));
    String time = DatasetDefinition.quote(dataset.timeColumn());
    String sql =
        "SELECT CAST("
            + time
            + " AS DATE), sum("
            + DatasetDefinition.quote(metric)
            + ")::BIGINT"
            + " FROM read_parquet(["
            + fileList
            + "])"
            + " WHERE "
            + time
            + " >= ?::"
            + duckType(snapshot.timeType())
            + " AND "
            + time
            + " < ?::"
            + duckType(snapshot.timeType())
            + (snapshot.tenantValue() == null
                ? ""
                : " AND " + DatasetDefinition.quote(dataset.tenantColumn().get()) + " = ?")
            + " GROUP BY 1";
    Map<LocalDate, Long> totals = new TreeMap<>();
    try (Connection duck = engine.connect();
        PreparedStatement select = duck.prepareStatement(sql)) {
      select.setString(1, duckLiteral(snapshot.timeType(), start));
      select.setString(2, duckLiteral(snapshot.timeType(), end));
      if (snapshot.tenantValue() != null) {
        select.setObject(3, snapshot.tenantValue());
      }
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          totals.put(rs.getObject(1, LocalDate.class), rs.getLong(2));
        }
      }
    } catch (SQLException e) {
      throw new ColdReadException(
          "cold chunks of " + dataset.name() + " could not be queried: " + e.getMessage(), e);
    }
    return totals;
  }

  private static String duckType(ColumnType timeType) {
    return switch (timeType) {
      case DATE -> "DATE";
      case TIMESTAMP -> "TIMESTAMP";
      default -> "TIMESTAMPTZ";
    };
  }

  /** A boundary as text in the time column's own type, read as UTC like the hot side does. */
  private static String duckLiteral(ColumnType timeType, Instant instant) {
    return switch (timeType) {
      case DATE -> LocalDate.ofInstant(instant, ZoneOffset.UTC).toString();
      case TIMESTAMP -> java.time.LocalDateTime.ofInstant(instant, ZoneOffset.UTC).toString();
      default -> instant.toString();
    };
  }

  /** Parses the tenant filter as the tenant column's type, so that it is a bound value. */
  private static Object tenantValue(DatasetDefinition dataset, TableSchema schema, String tenant) {
    String column = dataset.tenantColumn().orElseThrow();
    ColumnType type = schema.column(schema.indexOf(column)).type();
    try {
      return switch (type) {
        case SMALLINT, INTEGER -> Integer.parseInt(tenant);
        case BIGINT -> Long.parseLong(tenant);
        case TEXT -> tenant;
        default ->
            throw ProblemException.badRequest(
                "tenant column " + column + " has type " + type + ", which cannot be filtered by");
      };
    } catch (NumberFormatException e) {
      throw ProblemException.badRequest(
          "tenant '"
              + tenant
              + "' is not valid for "
              + column
              + ", which holds "
              + type.name().toLowerCase()
              + " values");
    }
  }
}
