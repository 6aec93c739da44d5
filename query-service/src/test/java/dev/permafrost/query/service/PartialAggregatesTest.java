package dev.permafrost.query.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.permafrost.query.domain.Aggregation;
import dev.permafrost.query.domain.Aggregation.Function;
import dev.permafrost.query.domain.Aggregation.GroupKey;
import dev.permafrost.query.domain.Aggregation.Metric;
import dev.permafrost.query.domain.Aggregation.Order;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PartialAggregatesTest {

  private static final Metric SUM = new Metric(Function.SUM, "view_count");
  private static final Metric MAX = new Metric(Function.MAX, "view_count");

  @Test
  void theFirstRowsOfALimitAreThoseOfTheWholeOrderTiesAndNullsIncluded() {
    PartialAggregates parts = new PartialAggregates(List.of(SUM, MAX));
    Random random = new Random(42);
    for (int i = 0; i < 3_000; i++) {
      // Few distinct sums, so that many groups tie and only the path orders them; some sums null.
      Long sum = random.nextInt(10) == 0 ? null : (long) random.nextInt(40);
      parts.add(List.of("/page/" + random.nextInt(2_000)), new Object[] {sum, (long) i});
    }
    for (List<Order> order :
        List.of(
            List.of(new Order(SUM.name(), true)),
            List.of(new Order(SUM.name(), false)),
            List.of(new Order(SUM.name(), true), new Order(MAX.name(), false)),
            List.of(new Order("path", true)))) {
      List<Map<String, Object>> all = parts.finish(top(order, parts.size()));

      List<Map<String, Object>> first = parts.finish(top(order, 25));

      assertThat(all).hasSize(parts.size());
      assertThat(first).as("order %s", order).isEqualTo(all.subList(0, 25));
    }
  }

  @Test
  void aLimitAboveTheGroupsKeepsThemAll() {
    PartialAggregates parts = new PartialAggregates(List.of(SUM, MAX));
    parts.add(List.of("/b"), new Object[] {5L, 1L});
    parts.add(List.of("/a"), new Object[] {5L, 2L});
    parts.add(List.of("/c"), new Object[] {9L, 3L});

    List<Map<String, Object>> answer = parts.finish(top(List.of(new Order(SUM.name(), true)), 25));

    assertThat(answer).extracting(row -> row.get("path")).containsExactly("/c", "/a", "/b");
  }

  /** A top {@code limit} of paths by {@link #SUM} and {@link #MAX}, in {@code order}. */
  static Aggregation top(List<Order> order, int limit) {
    return new Aggregation(
        "pageviews",
        Instant.parse("2026-01-01T00:00:00Z"),
        Instant.parse("2026-02-01T00:00:00Z"),
        List.of(GroupKey.column("path")),
        List.of(SUM, MAX),
        List.of(),
        order,
        limit,
        Optional.empty());
  }
}
