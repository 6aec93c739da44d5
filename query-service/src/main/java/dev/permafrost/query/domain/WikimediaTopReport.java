package dev.permafrost.query.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The most viewed pages of every Wikimedia domain over an hour or a day, deny-listed pages left
 * out: sorted by domain, then views descending, then title.
 *
 * @param period {@code hour} or {@code day}
 * @param to exclusive
 * @param pagesPerDomain the most entries a domain may have
 * @param denyList the list whose pages were left out
 * @param coldChunks how many archived chunks the report read
 */
public record WikimediaTopReport(
    String period,
    Instant from,
    Instant to,
    int pagesPerDomain,
    DenyListUsed denyList,
    int domains,
    List<Entry> entries,
    int coldChunks) {

  /** One page of the report; {@code rank} counts from 1 within its domain. */
  public record Entry(String domain, int rank, String title, long views) {}

  /** Which deny-list a report used: its source, the SHA-256 of its bytes and its entries. */
  public record DenyListUsed(String source, String sha256, int entries) {}

  /**
   * The report in its stable text form: {@code #} header lines saying what it covers and which
   * deny-list it used, then one line per page, {@code domain rank title views}, separated by single
   * spaces (titles never hold one: the dumps are space-separated too).
   */
  public String toText() {
    StringBuilder text = new StringBuilder();
    text.append("# permafrost wikimedia top ")
        .append(pagesPerDomain)
        .append(" pages per domain, ")
        .append(period)
        .append(' ')
        .append(from)
        .append(" to ")
        .append(to)
        .append('\n');
    text.append("# deny-list ")
        .append(denyList.source())
        .append(" sha256 ")
        .append(denyList.sha256())
        .append(" entries ")
        .append(denyList.entries())
        .append('\n');
    text.append("# domain rank title views\n");
    for (Entry entry : entries) {
      text.append(entry.domain())
          .append(' ')
          .append(entry.rank())
          .append(' ')
          .append(entry.title())
          .append(' ')
          .append(entry.views())
          .append('\n');
    }
    return text.toString();
  }

  /**
   * What is wrong with the report, if anything: more than {@link #pagesPerDomain} entries in a
   * domain, ranks not counting 1, 2, ..., entries out of order, views not positive, or {@code
   * largestDomain} (the domain with the most views, when it has a page not deny-listed) missing.
   */
  public List<String> problems(String largestDomain) {
    List<String> problems = new ArrayList<>();
    Map<String, Integer> perDomain = new HashMap<>();
    Entry previous = null;
    for (Entry entry : entries) {
      int count = perDomain.merge(entry.domain(), 1, Integer::sum);
      if (count > pagesPerDomain) {
        problems.add("domain " + entry.domain() + " has more than " + pagesPerDomain + " entries");
      }
      if (entry.rank() != count) {
        problems.add(entry + " should have rank " + count);
      }
      if (entry.views() <= 0) {
        problems.add(entry + " has no views");
      }
      if (previous != null && !inOrder(previous, entry)) {
        problems.add(entry + " comes after " + previous + " out of order");
      }
      previous = entry;
    }
    if (largestDomain != null && !perDomain.containsKey(largestDomain)) {
      problems.add("the domain with the most views, " + largestDomain + ", is missing");
    }
    return problems;
  }

  private static boolean inOrder(Entry a, Entry b) {
    int byDomain = a.domain().compareTo(b.domain());
    if (byDomain != 0) {
      return byDomain < 0;
    }
    if (a.views() != b.views()) {
      return a.views() > b.views();
    }
    return a.title().compareTo(b.title()) < 0;
  }
}
