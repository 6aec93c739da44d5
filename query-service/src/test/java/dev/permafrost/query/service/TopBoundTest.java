package dev.permafrost.query.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.permafrost.query.domain.Aggregation.Function;
import dev.permafrost.query.domain.Aggregation.Metric;
import dev.permafrost.query.domain.Aggregation.Order;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopBoundTest {

  private static final Metric SUM = new Metric(Function.SUM, "view_count");
  private static final Metric MAX = new Metric(Function.MAX, "view_count");
  private static final int SUM_PART = 0;

  @Test
  void aGroupOutsideTheColdFirstThatTheHotRowsMayLiftIsACandidate() {
    PartialAggregates coldFirst = parts(Map.of("/a", 100L, "/b", 90L, "/c", 80L));
    PartialAggregates hot = parts(Map.of("/d", 50L, "/e", 5L, "/a", 1L));

    Optional<Set<List<Object>>> candidates =
        TopBound.candidates(coldFirst, 3, hot, SUM_PART, true, 2);

    // The cut is the second total, /b 90 (/a has 101); /d may reach 80 + 50, /e at most 80 + 5.
    assertThat(candidates).contains(Set.of(List.of("/d")));
  }

  @Test
  void noBoundHoldsWhenTheCutTiesWithTheLastColdGroup() {
    PartialAggregates coldFirst = parts(Map.of("/a", 100L, "/b", 90L, "/c", 90L));

    assertThat(TopBound.candidates(coldFirst, 3, parts(Map.of()), SUM_PART, true, 2)).isEmpty();
  }

  @Test
  void withNoMoreColdGroupsThanTheLimitEveryHotGroupIsACandidate() {
    PartialAggregates coldFirst = parts(Map.of("/a", 100L, "/b", 90L));
    PartialAggregates hot = parts(Map.of("/z", 1L, "/y", 500L, "/a", 3L));

    assertThat(TopBound.candidates(coldFirst, 3, hot, SUM_PART, true, 2))
        .contains(Set.of(List.of("/z"), List.of("/y")));
  }

  /**
   * Random tiers, with negative and null parts, many ties, and now and then few cold groups:
   * wherever a bound holds, the first cold groups and the others it names, with their parts of both
   * tiers, give the same top N as every group of both tiers.
   */
  @Test
  void theBoundedTopIsTheTopOfEveryGroup() {
    Random random = new Random(7);
    int bounded = 0;
    int pruned = 0;
    for (int round = 0; round < 2_000; round++) {
      int limit = 1 + random.nextInt(10);
      // Now and then fewer cold groups than are asked for, or none.
      int coldPaths = random.nextInt(10) == 0 ? random.nextInt(5 * limit) : 300;
      int distinctValues = 3 + random.nextInt(200); // few values: many ties
      boolean negatives = random.nextInt(4) == 0;
      PartialAggregates cold = randomTier(random, coldPaths, 0.8, distinctValues, negatives);
      PartialAggregates hot = randomTier(random, 300, 0.3, distinctValues / 4 + 1, negatives);
      for (boolean descending : new boolean[] {true, false}) {
        List<Order> order = List.of(new Order(SUM.name(), descending), new Order(MAX.name(), true));
        int asked = limit + 1 + random.nextInt(3 * limit + 1);
        PartialAggregates coldFirst = first(cold, asked, descending, random);

        Optional<Set<List<Object>>> others =
            TopBound.candidates(coldFirst, asked, hot, SUM_PART, descending, limit);

        if (others.isEmpty()) {
          continue;
        }
        bounded++;
        Set<List<Object>> candidates = new HashSet<>(coldFirst.groups());
        candidates.addAll(others.get());
        if (candidates.size() < cold.size() + hot.size()) {
          pruned++;
        }
        PartialAggregates ofBound = new PartialAggregates(List.of(SUM, MAX));
        ofBound.addAll(hot, candidates::contains);
        ofBound.addAll(coldFirst);
        ofBound.addAll(cold, others.get()::contains);
        PartialAggregates ofAll = new PartialAggregates(List.of(SUM, MAX));
        ofAll.addAll(hot);
        ofAll.addAll(cold);
        assertThat(ofBound.finish(PartialAggregatesTest.top(order, limit)))
            .as("round %d, descending %s", round, descending)
            .isEqualTo(ofAll.finish(PartialAggregatesTest.top(order, limit)));
      }
    }
    // The bound held, and left cold groups unread, in most rounds: the check above is not empty.
    assertThat(bounded).isGreaterThan(1_000);
    assertThat(pruned).isGreaterThan(1_000);
  }

  private static PartialAggregates randomTier(
      Random random, int paths, double share, int distinctValues, boolean negatives) {
    PartialAggregates tier = new PartialAggregates(List.of(SUM, MAX));
    for (int path = 0; path < paths; path++) {
      if (random.nextDouble() >= share) {
        continue;
      }
      long value = random.nextInt(distinctValues) - (negatives ? distinctValues / 3 : 0);
      Long sum = random.nextInt(50) == 0 ? null : value;
      tier.add(List.of("/page/" + path), new Object[] {sum, (long) random.nextInt(1_000)});
    }
    return tier;
  }

  /** The first {@code n} groups by the sum, nulls last, ties in a random order as DuckDB's. */
  private static PartialAggregates first(
      PartialAggregates tier, int n, boolean descending, Random random) {
    List<List<Object>> groups = new ArrayList<>(tier.groups());
    Collections.shuffle(groups, random);
    Comparator<Long> values = descending ? Comparator.reverseOrder() : Comparator.naturalOrder();
    groups.sort(
        Comparator.comparing(
            group -> (Long) tier.parts(group)[SUM_PART], Comparator.nullsLast(values)));
    PartialAggregates first = new PartialAggregates(List.of(SUM, MAX));
    for (List<Object> group : groups.subList(0, Math.min(n, groups.size()))) {
      first.add(group, tier.parts(group));
    }
    return first;
  }

  private static PartialAggregates parts(Map<String, Long> sums) {
    PartialAggregates parts = new PartialAggregates(List.of(SUM, MAX));
    sums.forEach((path, sum) -> parts.add(List.of(path), new Object[] {sum, sum}));
    return parts;
  }
}
