package dev.permafrost.devstack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

/**
 * Generated hourly page-view dumps in Wikimedia's format, {@code domain_code page_title count_views
 * total_response_size} per line, for tests and the demo: a few domains of different sizes, titles
 * in several scripts, views falling off like real page popularity, and some ties.
 */
public final class WikimediaDumps {

  /** The generated domains, the biggest first. */
  public static final List<String> DOMAINS = List.of("en", "en.m", "de", "ja", "ru", "commons.m");

  private static final List<String> TITLE_STEMS =
      List.of(
          "Main_Page",
          "Albert_Einstein",
          "Café_Müller",
          "東京都",
          "Москва",
          "Straße",
          "Ελλάδα",
          "O'Reilly_(publisher)",
          "C:\\Windows",
          "😀_(emoji)");

  private static final DateTimeFormatter FILE =
      DateTimeFormatter.ofPattern("yyyy/yyyy-MM/'pageviews-'yyyyMMdd'-'HH'0000.gz'")
          .withZone(ZoneOffset.UTC);

  private WikimediaDumps() {}

  /** Where the hour's file lives below the dumps' base URL: {@code YYYY/YYYY-MM/NAME}. */
  public static String relativePath(Instant hour) {
    return FILE.format(hour);
  }

  /**
   * The text of one hour's dump: {@code pagesPerDomain} pages for the biggest domain, fewer for the
   * smaller ones; the same hour gives the same lines.
   */
  public static String lines(Instant hour, int pagesPerDomain) {
    Random random = new Random(hour.getEpochSecond());
    StringBuilder text = new StringBuilder();
    for (int d = 0; d < DOMAINS.size(); d++) {
      String domain = DOMAINS.get(d);
      int pages = Math.max(3, pagesPerDomain / (d + 1));
      int topViews = 50_000 / (d + 1) + random.nextInt(100);
      long previousViews = 0;
      for (int rank = 1; rank <= pages; rank++) {
        String title = TITLE_STEMS.get(rank % TITLE_STEMS.size()) + "_" + rank;
        // Every fourth page ties with the one before, whose title sorts after it in some
        // domains' pairs, so that a report's order needs its tie-break by title.
        long views =
            rank % 4 == 0 ? previousViews : Math.max(1, Math.round(topViews / Math.pow(rank, 1.1)));
        previousViews = views;
        text.append(domain).append(' ').append(title).append(' ').append(views).append(" 0\n");
      }
    }
    return text.toString();
  }

  /**
   * The Wikimedia report of dump text computed the plain way, as tests' oracle: per domain in
   * order, the 25 pages with the most views (ties by title) that {@code denied} does not name as
   * {@code "domain page"}, each as the line {@code domain rank title views}.
   */
  public static List<String> topPages(String dumpText, Set<String> denied) {
    Map<String, Map<String, Long>> views = new TreeMap<>();
    for (String line : dumpText.lines().toList()) {
      String[] fields = line.split(" ");
      if (!denied.contains(fields[0] + " " + fields[1])) {
        views
            .computeIfAbsent(fields[0], d -> new TreeMap<>())
            .merge(fields[1], Long.parseLong(fields[2]), Long::sum);
      }
    }
    List<String> lines = new ArrayList<>();
    views.forEach(
        (domain, pages) -> {
          List<Map.Entry<String, Long>> ranked =
              pages.entrySet().stream()
                  .sorted(
                      Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                          .thenComparing(Map.Entry.comparingByKey()))
                  .limit(25)
                  .toList();
          for (int i = 0; i < ranked.size(); i++) {
            Map.Entry<String, Long> page = ranked.get(i);
            lines.add(domain + " " + (i + 1) + " " + page.getKey() + " " + page.getValue());
          }
        });
    return lines;
  }

  /** {@code text} as a gzip file. */
  public static byte[] gzip(String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      gzip.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
