package dev.permafrost.query.service;

import dev.permafrost.format.Column;
import dev.permafrost.format.ColumnType;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.query.config.QueryConfig;
import dev.permafrost.query.domain.Aggregation;
import dev.permafrost.query.domain.Aggregation.Bucket;
import dev.permafrost.query.domain.Aggregation.Filter;
import dev.permafrost.query.domain.Aggregation.Function;
import dev.permafrost.query.domain.Aggregation.GroupKey;
import dev.permafrost.query.domain.Aggregation.Metric;
import dev.permafrost.query.domain.Aggregation.Operator;
import dev.permafrost.query.domain.Aggregation.Order;
import dev.permafrost.support.rest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the parameters of a dashboard request into an {@link Aggregation}, accepting only the
 * columns of the dataset's table that a query may use, values that parse as their column's type,
 * and ranges and limits within the configured caps. Anything else is a 400 problem that says what
 * is allowed. Names never reach SQL unchecked, and values are always bound.
 */
@ApplicationScoped
public class QuestionParser {

  /** Types a query may group and filter by. */
  static final Set<ColumnType> GROUPABLE =
      EnumSet.of(
          ColumnType.SMALLINT,
          ColumnType.INTEGER,
          ColumnType.BIGINT,
          ColumnType.TEXT,
          ColumnType.BOOLEAN,
          ColumnType.DATE,
          ColumnType.UUID);

  /** Types a metric may aggregate. */
  static final Set<ColumnType> MEASURABLE =
      EnumSet.of(
          ColumnType.SMALLINT,
          ColumnType.INTEGER,
          ColumnType.BIGINT,
          ColumnType.REAL,
          ColumnType.DOUBLE);

  /** Types a {@code min.}/{@code max.} filter may bound: ordered alike in both engines. */
  static final Set<ColumnType> RANGED =
      EnumSet.of(
          ColumnType.SMALLINT,
          ColumnType.INTEGER,
          ColumnType.BIGINT,
          ColumnType.REAL,
          ColumnType.DOUBLE,
          ColumnType.DATE);

  private static final Pattern METRIC =
      Pattern.compile("(sum|count|min|max|avg)\\((\\*|[A-Za-z_][A-Za-z0-9_]*)\\)");

  private static final String RANGE_ALLOWED =
      "a date like 2026-11-20 (for to: the whole day) or an instant like 2026-11-20T13:00:00Z"
          + " (for to: exclusive)";

  private final QueryConfig config;

  public QuestionParser(QueryConfig config) {
    this.config = config;
  }

  /** The columns of {@code schema} that queries may use: not offloaded, not the archive pointer. */
  public static List<Column> queryable(DatasetDefinition dataset, List<Column> columns) {
    return columns.stream()
        .filter(c -> !dataset.offloadColumns().contains(c.name()))
        .filter(c -> !c.name().equals(DatasetDefinition.ARCHIVE_POINTER_COLUMN))
        .toList();
  }

  /**
   * The half-open range {@code [from, to)} of a request: a date {@code to} includes its whole day.
   */
  public TimeWindow range(String from, String to) {
    Instant start = time("from", from, false);
    Instant end = time("to", to, true);
    if (!start.isBefore(end)) {
      throw ProblemException.badRequest(
          "from (" + from + ") must be before to (" + to + "), or the same day");
    }
    if (Duration.between(start, end).compareTo(Duration.ofDays(config.maxRangeDays())) > 0) {
      throw ProblemException.badRequest(
          "the range "
              + from
              + ".."
              + to
              + " is longer than the allowed "
              + config.maxRangeDays()
              + " days");
    }
    return new TimeWindow(start, end);
  }

  /** The ends of an open range: years 1 and 9999, which every time column type can hold. */
  private static final Instant FIRST_INSTANT = Instant.parse("0001-01-01T00:00:00Z");

  private static final Instant LAST_INSTANT = Instant.parse("9999-12-31T00:00:00Z");

  /**
   * Like {@link #range}, but either end may be absent, for years 1 or 9999 on that side, and no cap
   * applies: for exports, which stream rather than aggregate.
   */
  public TimeWindow openRange(String from, String to) {
    Instant start = from == null || from.isBlank() ? FIRST_INSTANT : time("from", from, false);
    Instant end = to == null || to.isBlank() ? LAST_INSTANT : time("to", to, true);
    if (!start.isBefore(end)) {
      throw ProblemException.badRequest(
          "from (" + from + ") must be before to (" + to + "), or the same day");
    }
    return new TimeWindow(start, end);
  }

  /** A half-open interval of a request. */
  public record TimeWindow(Instant from, Instant to) {}

  private static Instant time(String field, String value, boolean wholeDay) {
    if (value == null || value.isBlank()) {
      throw ProblemException.badRequest(field + " is required: " + RANGE_ALLOWED);
    }
    try {
      if (value.length() == 10) {
        LocalDate day = LocalDate.parse(value);
        return (wholeDay ? day.plusDays(1) : day).atStartOfDay().toInstant(ZoneOffset.UTC);
      }
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw ProblemException.badRequest(field + " is '" + value + "'; allowed: " + RANGE_ALLOWED);
    }
  }

  /** A column that queries may group or filter by. */
  public Column groupable(
      DatasetDefinition dataset, List<Column> columns, String name, String role) {
    Column column = column(dataset, columns, name, role);
    if (!GROUPABLE.contains(column.type())) {
      throw ProblemException.badRequest(
          role
              + " '"
              + name
              + "' has type "
              + column.type().name().toLowerCase(Locale.ROOT)
              + "; allowed: "
              + names(columns, GROUPABLE));
    }
    return column;
  }

  /** The group keys of {@code groupBy}: columns, or {@code day} / {@code hour} of the time. */
  public List<GroupKey> groups(DatasetDefinition dataset, List<Column> columns, String groupBy) {
    List<GroupKey> groups = new ArrayList<>();
    if (groupBy == null || groupBy.isBlank()) {
      return groups;
    }
    for (String name : groupBy.split(",")) {
      String key = name.trim();
      if (key.equals("day") || key.equals("hour")) {
        groups.add(bucket(dataset, columns, key.equals("day") ? Bucket.DAY : Bucket.HOUR));
      } else {
        groups.add(GroupKey.column(groupable(dataset, columns, key, "groupBy column").name()));
      }
    }
    if (groups.size() > 4) {
      throw ProblemException.badRequest(
          "groupBy names " + groups.size() + " keys; allowed: at most 4");
    }
    if (groups.stream().map(GroupKey::name).distinct().count() < groups.size()) {
      throw ProblemException.badRequest("groupBy names a key twice: " + groupBy);
    }
    return groups;
  }

  /** The UTC day or hour of the dataset's time column; hours need a timestamp column. */
  public GroupKey bucket(DatasetDefinition dataset, List<Column> columns, Bucket bucket) {
    ColumnType timeType = column(dataset, columns, dataset.timeColumn(), "time column").type();
    if (bucket == Bucket.HOUR && timeType == ColumnType.DATE) {
      throw ProblemException.badRequest(
          "dataset "
              + dataset.name()
              + " has a date time column ("
              + dataset.timeColumn()
              + "), so it has no hours; allowed: day");
    }
    return GroupKey.bucket(dataset.timeColumn(), bucket);
  }

  /** Metrics like {@code sum(view_count),count(*)}; the dataset's metric summed when absent. */
  public List<Metric> metrics(DatasetDefinition dataset, List<Column> columns, String metrics) {
    if (metrics == null || metrics.isBlank()) {
      return List.of(defaultMetric(dataset, columns));
    }
    List<Metric> parsed = new ArrayList<>();
    for (String text : metrics.split(",")) {
      Matcher m = METRIC.matcher(text.trim());
      if (!m.matches()) {
        throw ProblemException.badRequest(
            "metric '"
                + text.trim()
                + "' is not understood; allowed: sum(c), count(*), count(c), min(c), max(c),"
                + " avg(c) of a column c among "
                + names(columns, MEASURABLE));
      }
      Function function = Function.valueOf(m.group(1).toUpperCase(Locale.ROOT));
      if (m.group(2).equals("*")) {
        if (function != Function.COUNT) {
          throw ProblemException.badRequest(text.trim() + ": only count takes *");
        }
        parsed.add(new Metric(Function.COUNT, null));
      } else {
        parsed.add(new Metric(function, measurable(dataset, columns, m.group(2)).name()));
      }
    }
    if (parsed.size() > 8) {
      throw ProblemException.badRequest("metrics names " + parsed.size() + "; allowed: at most 8");
    }
    return parsed;
  }

  /** The sum of the dataset's metric column. */
  public Metric defaultMetric(DatasetDefinition dataset, List<Column> columns) {
    String metric =
        dataset
            .metricColumn()
            .orElseThrow(
                () ->
                    ProblemException.badRequest(
                        "dataset "
                            + dataset.name()
                            + " has no metric-column configured; name metrics among "
                            + names(columns, MEASURABLE)));
    return new Metric(Function.SUM, measurable(dataset, columns, metric).name());
  }

  public Column measurable(DatasetDefinition dataset, List<Column> columns, String name) {
    Column column = column(dataset, columns, name, "metric column");
    if (!MEASURABLE.contains(column.type())) {
      throw ProblemException.badRequest(
          "metric column '"
              + name
              + "' has type "
              + column.type().name().toLowerCase(Locale.ROOT)
              + "; allowed: "
              + names(columns, MEASURABLE));
    }
    return column;
  }

  /**
   * The filters of a request: {@code filter.c=v} (repeated: any of them), {@code exclude.c=v} (none
   * of them), {@code min.c=v} and {@code max.c=v} (inclusive), and {@code tenant=v} for the
   * dataset's tenant column. Any other parameter not in {@code otherParameters} is refused.
   */
  public List<Filter> filters(
      DatasetDefinition dataset,
      List<Column> columns,
      Map<String, List<String>> parameters,
      Set<String> otherParameters) {
    List<Filter> filters = new ArrayList<>();
    Map<String, Object[]> ranges = new java.util.TreeMap<>();
    for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
      String name = parameter.getKey();
      List<String> values = parameter.getValue();
      if (otherParameters.contains(name)) {
        continue;
      }
      if (name.equals("tenant")) {
        String tenantColumn =
            dataset
                .tenantColumn()
                .orElseThrow(
                    () ->
                        ProblemException.badRequest(
                            "dataset " + dataset.name() + " has no tenant column to filter by"));
        filters.add(
            filter(
                dataset,
                columns,
                tenantColumn,
                values.size() == 1 ? Operator.EQUALS : Operator.IN,
                values));
        continue;
      }
      int dot = name.indexOf('.');
      String kind = dot < 0 ? name : name.substring(0, dot);
      String column = dot < 0 ? "" : name.substring(dot + 1);
      switch (kind) {
        case "filter" ->
            filters.add(
                filter(
                    dataset,
                    columns,
                    column,
                    values.size() == 1 ? Operator.EQUALS : Operator.IN,
                    values));
        case "exclude" -> filters.add(filter(dataset, columns, column, Operator.NOT_IN, values));
        case "min", "max" -> {
          Column checked = filterable(dataset, columns, column);
          if (!RANGED.contains(checked.type())) {
            // Text would be ordered by PostgreSQL's collation on one tier and by bytes on the
            // other, so a range on it could select different rows in each.
            throw ProblemException.badRequest(
                name
                    + ": a range needs a number or date column; allowed: "
                    + names(columns, RANGED));
          }
          if (values.size() != 1) {
            throw ProblemException.badRequest(name + " is given " + values.size() + " times");
          }
          ranges.computeIfAbsent(checked.name(), c -> new Object[2])[kind.equals("min") ? 0 : 1] =
              value(checked, values.get(0));
        }
        default ->
            throw ProblemException.badRequest(
                "parameter '"
                    + name
                    + "' is not understood; allowed: "
                    + new TreeSet<>(otherParameters)
                    + ", tenant, filter.<column>, exclude.<column>, min.<column>, max.<column>"
                    + " for a column among "
                    + filterableNames(columns));
      }
    }
    ranges.forEach(
        (column, bounds) ->
            filters.add(new Filter(column, Operator.RANGE, java.util.Arrays.asList(bounds))));
    return filters;
  }

  private Filter filter(
      DatasetDefinition dataset,
      List<Column> columns,
      String name,
      Operator operator,
      List<String> values) {
    Column column = filterable(dataset, columns, name);
    if (values.size() > config.maxLimit()) {
      throw ProblemException.badRequest(
          name + " is given " + values.size() + " values; allowed: at most " + config.maxLimit());
    }
    return new Filter(column.name(), operator, values.stream().map(v -> value(column, v)).toList());
  }

  private Column filterable(DatasetDefinition dataset, List<Column> columns, String name) {
    Column column = column(dataset, columns, name, "filter column");
    if (!GROUPABLE.contains(column.type()) && !MEASURABLE.contains(column.type())) {
      throw ProblemException.badRequest(
          "filter column '"
              + name
              + "' has type "
              + column.type().name().toLowerCase(Locale.ROOT)
              + "; allowed: "
              + filterableNames(columns));
    }
    return column;
  }

  /** A request's value as its column's type, for binding. */
  static Object value(Column column, String text) {
    try {
      return switch (column.type()) {
        case SMALLINT -> (long) Short.parseShort(text.trim());
        case INTEGER -> (long) Integer.parseInt(text.trim());
        case BIGINT -> Long.parseLong(text.trim());
        case REAL, DOUBLE -> Double.parseDouble(text.trim());
        case BOOLEAN -> {
          if (!text.equals("true") && !text.equals("false")) {
            throw new IllegalArgumentException("not a boolean");
          }
          yield Boolean.valueOf(text);
        }
        case DATE -> LocalDate.parse(text.trim());
        case UUID -> UUID.fromString(text.trim()).toString();
        default -> text;
      };
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw ProblemException.badRequest(
          "'"
              + text
              + "' is not a value of column "
              + column.name()
              + "; allowed: a "
              + column.type().name().toLowerCase(Locale.ROOT)
              + " value");
    }
  }

  /** Orders like {@code sum_view_count:desc,path}; names are metrics or group keys. */
  public List<Order> order(
      String orderBy, List<GroupKey> groups, List<Metric> metrics, Order fallback) {
    if (orderBy == null || orderBy.isBlank()) {
      return List.of(fallback);
    }
    List<String> allowed = new ArrayList<>();
    metrics.forEach(m -> allowed.add(m.name()));
    groups.forEach(g -> allowed.add(g.name()));
    List<Order> order = new ArrayList<>();
    for (String part : orderBy.split(",")) {
      String[] nameAndDirection = part.trim().split(":", 2);
      String name = nameAndDirection[0];
      String direction = nameAndDirection.length > 1 ? nameAndDirection[1] : "asc";
      if (!allowed.contains(name) || !(direction.equals("asc") || direction.equals("desc"))) {
        throw ProblemException.badRequest(
            "orderBy '"
                + part.trim()
                + "' is not understood; allowed: one of "
                + allowed
                + ", optionally followed by :asc or :desc");
      }
      order.add(new Order(name, direction.equals("desc")));
    }
    return order;
  }

  /** A limit between 1 and {@code max-limit}; {@code fallback} when absent. */
  public int limit(String name, String value, int fallback) {
    if (value == null || value.isBlank()) {
      return Math.min(fallback, config.maxLimit());
    }
    try {
      int limit = Integer.parseInt(value.trim());
      if (limit >= 1 && limit <= config.maxLimit()) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // told below
    }
    throw ProblemException.badRequest(
        name + " is '" + value + "'; allowed: a whole number from 1 to " + config.maxLimit());
  }

  public int maxLimit() {
    return config.maxLimit();
  }

  /** Assembles the checked parts. */
  public Aggregation aggregation(
      DatasetDefinition dataset,
      TimeWindow window,
      List<GroupKey> groups,
      List<Metric> metrics,
      List<Filter> filters,
      List<Order> order,
      int limit,
      Optional<Integer> perGroupLimit) {
    return new Aggregation(
        dataset.name(),
        window.from(),
        window.to(),
        groups,
        metrics,
        filters,
        order,
        limit,
        perGroupLimit);
  }

  private static Column column(
      DatasetDefinition dataset, List<Column> columns, String name, String role) {
    return columns.stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                ProblemException.badRequest(
                    role
                        + " '"
                        + name
                        + "' is not a column of dataset "
                        + dataset.name()
                        + "; allowed: "
                        + columns.stream().map(Column::name).toList()));
  }

  private static List<String> names(List<Column> columns, Set<ColumnType> types) {
    return columns.stream().filter(c -> types.contains(c.type())).map(Column::name).toList();
  }

  private static List<String> filterableNames(List<Column> columns) {
    return columns.stream()
        .filter(c -> GROUPABLE.contains(c.type()) || MEASURABLE.contains(c.type()))
        .map(Column::name)
        .toList();
  }
}
