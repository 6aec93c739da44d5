package dev.permafrost.query.service;

import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.Sha256;
import dev.permafrost.query.config.QueryConfig;
import dev.permafrost.query.domain.AggregateAnswer;
import dev.permafrost.query.domain.Aggregation;
import dev.permafrost.query.domain.Aggregation.Function;
import dev.permafrost.query.domain.Aggregation.GroupKey;
import dev.permafrost.query.domain.Aggregation.Metric;
import dev.permafrost.query.domain.Aggregation.Order;
import dev.permafrost.query.domain.WikimediaTopReport;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.rest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Wikimedia report: the 25 most viewed pages of every domain over an hour or a day, across hot
 * and cold hours, deny-listed pages left out, checked before anyone sees it.
 */
@ApplicationScoped
public class WikimediaReports {

  /** Pages per domain in a report. */
  public static final int PAGES_PER_DOMAIN = 25;

  private static final Metric SUM_OF_VIEWS = new Metric(Function.SUM, "views");
  private static final String VIEWS = SUM_OF_VIEWS.name();
  private static final String ALLOWED =
      "exactly one of hour (like 2026-11-20T13 or 2026-11-20T13:00:00Z) or day (like 2026-11-20)";

  /** A report written to the object store. */
  public record StoredReport(String bucket, String key, long bytes, String sha256, int entries) {}

  private final HybridAggregator aggregator;
  private final DenyList denyList;
  private final Datasets datasets;
  private final ObjectStore store;
  private final QueryConfig.Wikimedia config;

  public WikimediaReports(
      HybridAggregator aggregator,
      DenyList denyList,
      Datasets datasets,
      ObjectStore store,
      QueryConfig config) {
    this.aggregator = aggregator;
    this.denyList = denyList;
    this.datasets = datasets;
    this.store = store;
    this.config = config.wikimedia();
  }

  /**
   * The report of {@code hour} or {@code day}.
   *
   * @throws ProblemException 400 for a bad period; 503 when the deny-list or a cold chunk cannot be
   *     read; 500 if the report fails its own validation
   */
  public WikimediaTopReport top(String hour, String day) {
    Period period = Period.parse(hour, day);
    String dataset = datasets.find(config.dataset()).name();
    DenyList.Snapshot denied = denyList.current();
    // The largest domain is checked against the pages read below: only if they hold an allowed page
    // of it must the report show it, so rows arriving or leaving between the two reads do no harm.
    Optional<String> largestDomain =
        aggregator
            .aggregate(
                new Aggregation(
                    dataset,
                    period.from(),
                    period.to(),
                    List.of(GroupKey.column("domain")),
                    List.of(SUM_OF_VIEWS),
                    List.of(),
                    List.of(new Order(VIEWS, true)),
                    1,
                    Optional.empty()))
            .rows()
            .stream()
            .map(row -> (String) row.get("domain"))
            .findFirst();
    // Each domain's top pages plus as many as it could lose to the deny-list, cut after the merge.
    int perDomain = PAGES_PER_DOMAIN + denied.mostPerDomain();
    AggregateAnswer pages =
        aggregator.aggregate(
            new Aggregation(
                dataset,
                period.from(),
                period.to(),
                List.of(GroupKey.column("domain"), GroupKey.column("page")),
                List.of(SUM_OF_VIEWS),
                List.of(),
                List.of(new Order(VIEWS, true)),
                Integer.MAX_VALUE,
                Optional.of(perDomain)));
    List<WikimediaTopReport.Entry> entries = new ArrayList<>();
    String domain = null;
    int rank = 0;
    boolean largestHasAllowedPage = false;
    for (Map<String, Object> row : pages.rows()) {
      String rowDomain = (String) row.get("domain");
      String page = (String) row.get("page");
      if (denied.denies(rowDomain, page)) {
        continue;
      }
      largestHasAllowedPage |= largestDomain.map(rowDomain::equals).orElse(false);
      if (!rowDomain.equals(domain)) {
        domain = rowDomain;
        rank = 0;
      }
      if (++rank <= PAGES_PER_DOMAIN) {
        entries.add(
            new WikimediaTopReport.Entry(
                rowDomain, rank, page, ((Number) row.get(VIEWS)).longValue()));
      }
    }
    WikimediaTopReport report =
        new WikimediaTopReport(
            period.name(),
            period.from(),
            period.to(),
            PAGES_PER_DOMAIN,
            new WikimediaTopReport.DenyListUsed(denied.source(), denied.sha256(), denied.entries()),
            (int) entries.stream().map(WikimediaTopReport.Entry::domain).distinct().count(),
            entries,
            pages.coldChunks());
    List<String> problems =
        report.problems(largestHasAllowedPage ? largestDomain.orElse(null) : null);
    if (!problems.isEmpty()) {
      throw new ProblemException(
          500, "Report failed validation", "the report of " + period + " " + problems);
    }
    return report;
  }

  /**
   * Writes the report's text to the object store under a key naming its period and content, so that
   * writing the same report again is harmless and a changed report gets a key of its own.
   */
  public StoredReport write(WikimediaTopReport report) {
    byte[] text = report.toText().getBytes(StandardCharsets.UTF_8);
    String sha256 = Sha256.hex(text);
    String key =
        config.reportPrefix().replaceAll("/+$", "")
            + "/top/"
            + report.period()
            + "="
            + Period.label(report.period(), report.from())
            + "/"
            + sha256.substring(0, 16)
            + ".txt";
    try {
      store.putOnce(key, text);
    } catch (IOException e) {
      throw new UncheckedIOException("writing report " + key + " failed", e);
    }
    return new StoredReport(store.bucket(), key, text.length, sha256, report.entries().size());
  }

  /** An hour or a UTC day. */
  record Period(String name, Instant from, Instant to) {

    static Period parse(String hour, String day) {
      boolean hasHour = hour != null && !hour.isBlank();
      boolean hasDay = day != null && !day.isBlank();
      if (hasHour == hasDay) {
        throw ProblemException.badRequest("give " + ALLOWED);
      }
      try {
        if (hasDay) {
          Instant start = LocalDate.parse(day).atStartOfDay().toInstant(ZoneOffset.UTC);
          return new Period("day", start, start.plus(Duration.ofDays(1)));
        }
        Instant start =
            hour.endsWith("Z")
                ? Instant.parse(hour)
                : LocalDateTime.parse(hour.length() == 13 ? hour + ":00" : hour)
                    .toInstant(ZoneOffset.UTC);
        if (!start.truncatedTo(ChronoUnit.HOURS).equals(start)) {
          throw ProblemException.badRequest("hour (" + hour + ") must be a whole hour; " + ALLOWED);
        }
        return new Period("hour", start, start.plus(Duration.ofHours(1)));
      } catch (DateTimeParseException e) {
        throw ProblemException.badRequest(
            "'"
                + (hasDay ? day : hour)
                + "' is not a valid "
                + (hasDay ? "day" : "hour")
                + "; "
                + ALLOWED);
      }
    }

    /** {@code 2026-11-20T13} for an hour, {@code 2026-11-20} for a day. */
    static String label(String name, Instant from) {
      String iso = from.toString();
      return name.equals("day") ? iso.substring(0, 10) : iso.substring(0, 13);
    }

    @Override
    public String toString() {
      return name + " " + label(name, from);
    }
  }
}
