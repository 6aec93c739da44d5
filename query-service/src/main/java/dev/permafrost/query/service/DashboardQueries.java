package dev.permafrost.query.service;

import dev.permafrost.format.Column;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.query.domain.AggregateAnswer;
import dev.permafrost.query.domain.Aggregation;
import dev.permafrost.query.domain.Aggregation.Bucket;
import dev.permafrost.query.domain.Aggregation.Filter;
import dev.permafrost.query.domain.Aggregation.GroupKey;
import dev.permafrost.query.domain.Aggregation.Metric;
import dev.permafrost.query.domain.Aggregation.Order;
import dev.permafrost.query.domain.DailyTotals;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.rest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The dashboard questions, each an {@link Aggregation} built from a request's parameters and
 * answered over both tiers by the {@link HybridAggregator}.
 */
@ApplicationScoped
public class DashboardQueries {

  private static final Set<String> RANGE = Set.of("from", "to");

  private final TableSchemas schemas;
  private final Datasets datasets;
  private final QuestionParser parser;
  private final HybridAggregator aggregator;

  public DashboardQueries(
      TableSchemas schemas, Datasets datasets, QuestionParser parser, HybridAggregator aggregator) {
    this.schemas = schemas;
    this.datasets = datasets;
    this.parser = parser;
    this.aggregator = aggregator;
  }

  /** The sum of the dataset's metric per UTC day over {@code [from, to]}, days inclusive. */
  public DailyTotals dailyTotals(
      String datasetName, List<String> tenants, LocalDate from, LocalDate to) {
    DatasetDefinition dataset = datasets.find(datasetName);
    List<Column> columns = columns(dataset);
    if (from.isAfter(to)) {
      throw ProblemException.badRequest("from (" + from + ") must not be after to (" + to + ")");
    }
    QuestionParser.TimeWindow window = parser.range(from.toString(), to.toString());
    Metric metric = parser.defaultMetric(dataset, columns);
    if (!HybridAggregator.isIntegral(columnType(columns, metric.column()))) {
      // Integer sums are exact on both tiers, so adding the two partial sums changes nothing.
      throw ProblemException.badRequest(
          "metric column "
              + metric.column()
              + " of dataset "
              + dataset.name()
              + " is not an integer column; daily totals need smallint, integer or bigint");
    }
    List<Filter> filters =
        tenants.isEmpty()
            ? List.of()
            : parser.filters(dataset, columns, Map.of("tenant", tenants), Set.of());
    GroupKey day = parser.bucket(dataset, columns, Bucket.DAY);
    AggregateAnswer answer =
        aggregator.aggregate(
            parser.aggregation(
                dataset,
                window,
                List.of(day),
                List.of(metric),
                filters,
                List.of(new Order(day.name(), false)),
                parser.maxLimit(),
                Optional.empty()));
    return new DailyTotals(
        dataset.name(),
        metric.column(),
        tenants.isEmpty() ? null : String.join(",", tenants),
        from,
        to,
        answer.rows().stream()
            .filter(row -> row.get(metric.name()) != null)
            .map(
                row ->
                    new DailyTotals.Day(
                        (LocalDate) row.get(day.name()), (Long) row.get(metric.name())))
            .toList(),
        answer.coldChunks());
  }

  /** The dataset's metric (or {@code metrics}) per UTC hour; for timestamp time columns. */
  public AggregateAnswer hourlyTotals(String datasetName, Map<String, List<String>> parameters) {
    return timeSeries(datasetName, Bucket.HOUR, parameters);
  }

  private AggregateAnswer timeSeries(
      String datasetName, Bucket bucket, Map<String, List<String>> parameters) {
    DatasetDefinition dataset = datasets.find(datasetName);
    List<Column> columns = columns(dataset);
    GroupKey key = parser.bucket(dataset, columns, bucket);
    List<Metric> metrics = parser.metrics(dataset, columns, first(parameters, "metrics"));
    QuestionParser.TimeWindow window = window(parameters);
    long buckets =
        java.time.Duration.between(window.from(), window.to()).toHours()
            / (bucket == Bucket.HOUR ? 1 : 24);
    if (buckets > parser.maxLimit()) {
      // Every bucket is a row of the answer: more than the cap would be cut off silently.
      throw ProblemException.badRequest(
          "the range has "
              + buckets
              + " "
              + key.name()
              + "s; allowed: at most "
              + parser.maxLimit()
              + " (permafrost.query.max-limit)");
    }
    return aggregator.aggregate(
        parser.aggregation(
            dataset,
            window,
            List.of(key),
            metrics,
            parser.filters(dataset, columns, parameters, union(RANGE, Set.of("metrics"))),
            List.of(new Order(key.name(), false)),
            parser.maxLimit(),
            Optional.empty()));
  }

  /**
   * The {@code n} values of {@code column} with the largest sum of the metric, e.g. the most viewed
   * paths of a project.
   */
  public AggregateAnswer top(String datasetName, Map<String, List<String>> parameters) {
    DatasetDefinition dataset = datasets.find(datasetName);
    List<Column> columns = columns(dataset);
    GroupKey key =
        GroupKey.column(
            parser.groupable(dataset, columns, required(parameters, "column"), "column").name());
    Metric metric = metric(dataset, columns, parameters);
    return aggregator.aggregate(
        parser.aggregation(
            dataset,
            window(parameters),
            List.of(key),
            List.of(metric),
            parser.filters(
                dataset, columns, parameters, union(RANGE, Set.of("column", "metric", "n"))),
            List.of(new Order(metric.name(), true)),
            parser.limit("n", first(parameters, "n"), 10),
            Optional.empty()));
  }

  /**
   * For each value of {@code group}, the {@code n} values of {@code column} with the largest sum of
   * the metric, e.g. the 25 most viewed pages of each Wikimedia domain; {@code exclude.column}
   * leaves values out first.
   */
  public AggregateAnswer topPerGroup(String datasetName, Map<String, List<String>> parameters) {
    DatasetDefinition dataset = datasets.find(datasetName);
    List<Column> columns = columns(dataset);
    GroupKey group =
        GroupKey.column(
            parser.groupable(dataset, columns, required(parameters, "group"), "group").name());
    GroupKey key =
        GroupKey.column(
            parser.groupable(dataset, columns, required(parameters, "column"), "column").name());
    if (group.equals(key)) {
      throw ProblemException.badRequest("group and column must be two different columns");
    }
    Metric metric = metric(dataset, columns, parameters);
    return aggregator.aggregate(
        parser.aggregation(
            dataset,
            window(parameters),
            List.of(group, key),
            List.of(metric),
            parser.filters(
                dataset,
                columns,
                parameters,
                union(RANGE, Set.of("group", "column", "metric", "n", "limit"))),
            List.of(new Order(metric.name(), true)),
            parser.limit("limit", first(parameters, "limit"), parser.maxLimit()),
            Optional.of(parser.limit("n", first(parameters, "n"), 10))));
  }

  /** Any grouping of up to four keys, metrics, filters, order and limit. */
  public AggregateAnswer aggregate(String datasetName, Map<String, List<String>> parameters) {
    DatasetDefinition dataset = datasets.find(datasetName);
    List<Column> columns = columns(dataset);
    List<GroupKey> groups = parser.groups(dataset, columns, first(parameters, "groupBy"));
    List<Metric> metrics = parser.metrics(dataset, columns, first(parameters, "metrics"));
    Order fallback = new Order(metrics.get(0).name(), true); // the biggest first
    return aggregator.aggregate(
        parser.aggregation(
            dataset,
            window(parameters),
            groups,
            metrics,
            parser.filters(
                dataset,
                columns,
                parameters,
                union(RANGE, Set.of("groupBy", "metrics", "orderBy", "limit"))),
            parser.order(first(parameters, "orderBy"), groups, metrics, fallback),
            parser.limit("limit", first(parameters, "limit"), 100),
            Optional.empty()));
  }

  /** The columns of the dataset's table that queries may use. */
  public List<Column> columns(DatasetDefinition dataset) {
    return QuestionParser.queryable(dataset, schemas.of(dataset).columns());
  }

  private Metric metric(
      DatasetDefinition dataset, List<Column> columns, Map<String, List<String>> parameters) {
    String metric = first(parameters, "metric");
    return metric == null
        ? parser.defaultMetric(dataset, columns)
        : new Metric(Aggregation.Function.SUM, parser.measurable(dataset, columns, metric).name());
  }

  private QuestionParser.TimeWindow window(Map<String, List<String>> parameters) {
    return parser.range(first(parameters, "from"), first(parameters, "to"));
  }

  private static dev.permafrost.format.ColumnType columnType(List<Column> columns, String name) {
    return columns.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow().type();
  }

  private static String first(Map<String, List<String>> parameters, String name) {
    List<String> values = parameters.get(name);
    if (values == null || values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw ProblemException.badRequest(
          name + " is given " + values.size() + " times; allowed: once");
    }
    return values.get(0);
  }

  private static String required(Map<String, List<String>> parameters, String name) {
    String value = first(parameters, name);
    if (value == null || value.isBlank()) {
      throw ProblemException.badRequest(name + " is required");
    }
    return value;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return all;
  }
}
