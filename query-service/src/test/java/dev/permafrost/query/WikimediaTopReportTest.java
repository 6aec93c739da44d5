package dev.permafrost.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.permafrost.query.domain.WikimediaTopReport;
import dev.permafrost.query.domain.WikimediaTopReport.Entry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WikimediaTopReportTest {

  private static final List<Entry> GOOD =
      List.of(
          new Entry("de", 1, "Berlin", 50),
          new Entry("de", 2, "Aachen", 7),
          new Entry("de", 3, "Bonn", 7),
          new Entry("en", 1, "Main_Page", 900));

  @Test
  void aSortedCutReportWithTheLargestDomainPasses() {
    assertThat(report(GOOD, 3).problems("en")).isEmpty();
  }

  @Test
  void findsEachKindOfMistake() {
    assertThat(report(GOOD, 2).problems("en")).singleElement().asString().contains("more than 2");
    assertThat(report(GOOD, 3).problems("fr"))
        .singleElement()
        .asString()
        .contains("the domain with the most views, fr, is missing");
    assertThat(report(swap(1, 2), 3).problems("en"))
        .anySatisfy(p -> assertThat(p).contains("out of order"))
        .anySatisfy(p -> assertThat(p).contains("should have rank"));
    List<Entry> byViews = new ArrayList<>(GOOD);
    byViews.set(1, new Entry("de", 2, "Aachen", 70));
    assertThat(report(byViews, 3).problems("en"))
        .singleElement()
        .asString()
        .contains("out of order");
    List<Entry> noViews = new ArrayList<>(GOOD);
    noViews.set(3, new Entry("en", 1, "Main_Page", 0));
    assertThat(report(noViews, 3).problems("en")).singleElement().asString().contains("no views");
  }

  @Test
  void theTextFormHasAHeaderThenOneLinePerPage() {
    assertThat(report(GOOD, 3).toText())
        .isEqualTo(
            """
            # permafrost wikimedia top 3 pages per domain, hour 2026-11-20T13:00:00Z to 2026-11-20T14:00:00Z
            # deny-list none sha256 e3b0 entries 0
            # domain rank title views
            de 1 Berlin 50
            de 2 Aachen 7
            de 3 Bonn 7
            en 1 Main_Page 900
            """);
  }

  private static List<Entry> swap(int i, int j) {
    List<Entry> entries = new ArrayList<>(GOOD);
    Entry a = entries.get(i);
    entries.set(i, entries.get(j));
    entries.set(j, a);
    return entries;
  }

  private static WikimediaTopReport report(List<Entry> entries, int perDomain) {
    return new WikimediaTopReport(
        "hour",
        Instant.parse("2026-11-20T13:00:00Z"),
        Instant.parse("2026-11-20T14:00:00Z"),
        perDomain,
        new WikimediaTopReport.DenyListUsed("none", "e3b0", 0),
        2,
        entries,
        0);
  }
}
