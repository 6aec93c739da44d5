package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.permafrost.devstack.DevStack;
import dev.permafrost.devstack.DumpServer;
import dev.permafrost.devstack.WikimediaDumps;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The demo's Wikimedia section: generated hourly dumps served on loopback, imported by the
 * exporter-service, the hour older than the dataset's hot window archived, and the report of that
 * hour read back across the tiers.
 */
final class WikimediaDemo {

  /** Pages of the biggest domain per generated hour. */
  static final int PAGES_PER_DOMAIN = 300;

  private static final String DOMAIN_SHOWN = "ja";

  /**
   * What the section did.
   *
   * @param topPages the first pages of {@code domain} in the archived hour's report, as {@code rank
   *     title views}
   */
  record Result(
      int hoursImported,
      long rowsLoaded,
      Instant archivedHour,
      String reportQuery,
      int coldChunks,
      String domain,
      List<String> topPages) {

    void print(PrintStream out) {
      out.println("  Wikimedia page views");
      out.printf(
          "    hours imported     %d generated hourly dumps, %,d rows%n",
          hoursImported, rowsLoaded);
      out.println("    archived hour      " + archivedHour + " (older than the 2-day hot window)");
      out.println("    report             GET " + reportQuery);
      out.printf("    read from          %d archived chunk(s)%n", coldChunks);
      out.println("    top pages of " + domain);
      topPages.forEach(page -> out.println("      " + page));
    }
  }

  private final PermafrostStack stack;
  private final DumpServer dumps;
  private final Progress progress;
  private final RestClient rest = new RestClient();

  WikimediaDemo(PermafrostStack stack, DumpServer dumps, Progress progress) {
    this.stack = stack;
    this.dumps = dumps;
    this.progress = progress;
  }

  /**
   * The exporter-service's settings that make it download from {@code dumps}, into a cache under
   * {@code workDir} that is emptied first: generated dumps differ from run to run.
   */
  static Map<String, String> exporterConfig(DumpServer dumps, Path workDir) {
    Path cache = workDir.resolve("wikimedia-cache");
    try {
      DevStack.deleteRecursively(cache);
    } catch (IOException e) {
      throw new UncheckedIOException("could not empty " + cache, e);
    }
    return Map.of(
        "permafrost.exporter.wikimedia.base-url",
        dumps.baseUrl(),
        "permafrost.exporter.wikimedia.cache-dir",
        cache.toString());
  }

  /**
   * Imports three hours, one three days old and two of the last three hours, and reports the old
   * one, which the import archives because it is past the dataset's hot window.
   */
  Result run() {
    Instant currentHour = Instant.now().truncatedTo(ChronoUnit.HOURS);
    Instant archived = currentHour.minus(Duration.ofDays(3));
    Instant firstRecent = currentHour.minus(Duration.ofHours(3));
    List<Instant> hours = List.of(archived, firstRecent, firstRecent.plus(Duration.ofHours(1)));
    for (Instant hour : hours) {
      dumps.publish(
          WikimediaDumps.relativePath(hour),
          WikimediaDumps.gzip(WikimediaDumps.lines(hour, PAGES_PER_DOMAIN)));
    }
    progress.step("Importing 3 hours of generated Wikimedia page-view dumps");
    long rows =
        importHours(archived, archived.plus(Duration.ofHours(1)), false).path("rowsLoaded").asLong()
            + importHours(firstRecent, currentHour.minus(Duration.ofHours(1)), false)
                .path("rowsLoaded")
                .asLong();
    progress.done(String.format("%d hours, %,d rows", hours.size(), rows));
    new StackSteps(stack, progress).awaitActive("wiki_pageviews", 1);

    String reportQuery = reportUrl(archived);
    JsonNode report = rest.get(reportQuery);
    List<String> top = new ArrayList<>();
    for (JsonNode entry : report.path("entries")) {
      if (entry.path("domain").asText().equals(DOMAIN_SHOWN) && top.size() < 5) {
        top.add(
            String.format(
                "%2d  %s  (%,d views)",
                entry.path("rank").asInt(),
                entry.path("title").asText(),
                entry.path("views").asLong()));
      }
    }
    return new Result(
        hours.size(),
        rows,
        archived,
        reportQuery,
        report.path("coldChunks").asInt(),
        DOMAIN_SHOWN,
        top);
  }

  /** The JSON report of {@code hour} on the query-service. */
  String reportUrl(Instant hour) {
    return stack.queryUrl()
        + "/api/v1/reports/wikimedia/top?hour="
        + hour.toString().substring(0, 13);
  }

  /** Imports [from, to) through the exporter's REST API and returns the finished job. */
  JsonNode importHours(Instant from, Instant to, boolean force) {
    JsonNode job =
        rest.post(
            stack.exporterUrl() + "/api/v1/imports/wikimedia",
            Map.of("from", from.toString(), "to", to.toString(), "force", force));
    String jobUrl = stack.exporterUrl() + "/api/v1/imports/wikimedia/" + job.path("id").asText();
    JsonNode done =
        StackSteps.poll(
            () -> {
              JsonNode current = rest.get(jobUrl);
              return "RUNNING".equals(current.path("state").asText()) ? null : current;
            },
            "import job " + jobUrl);
    if (!"SUCCEEDED".equals(done.path("state").asText())
        || done.path("hoursImported").asInt() == 0) {
      throw new IllegalStateException("import job " + jobUrl + " did not import: " + done);
    }
    return done;
  }
}
