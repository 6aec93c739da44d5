package dev.permafrost.query.service;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which groups a top N over both tiers may hold besides the cold tier's first groups (more than N)
 * by the order's first part, a whole-number sum or count, when those are all the cold tier gave.
 *
 * <p>Every other cold group's part is no better than the last of those first groups: call it {@code
 * c}. Add the hot parts to the first groups, and call the N-th best of their totals {@code L}. When
 * {@code L} beats {@code c}, a group without hot rows cannot reach the top N, and a group with hot
 * part {@code h} reaches at most {@code h + max(c, 0)} (descending; {@code h + min(c, 0)}
 * ascending). So the only other groups that may be in the answer are the hot groups that may reach
 * {@code L}, and theirs are the only other cold parts to read: a handful for a dashboard's top 25,
 * where reading every cold group would mean tens of thousands. The parts are whole numbers and the
 * arithmetic exact, so no group that belongs in the answer is ever left out.
 */
final class TopBound {

  private TopBound() {}

  /**
   * The groups outside {@code coldFirst} that may be in the top {@code limit}: every hot one when
   * {@code coldFirst} holds every cold group (fewer than {@code asked}). Absent when no bound holds
   * (a null or tied last part, or a total out of range): any group may be in it then.
   *
   * @param coldFirst the cold tier's first {@code asked} groups by {@code part}, or all of its
   *     groups if it has fewer; ties at the cut in any order
   * @param asked more than {@code limit}
   * @param hot every hot group's parts
   * @param part the order's first part, a Long (or null) in both tiers
   */
  static Optional<Set<List<Object>>> candidates(
      PartialAggregates coldFirst,
      int asked,
      PartialAggregates hot,
      int part,
      boolean descending,
      int limit) {
    if (coldFirst.size() < asked) {
      Set<List<Object>> hotOnly = new HashSet<>(hot.groups());
      hotOnly.removeAll(coldFirst.groups());
      return Optional.of(hotOnly);
    }
    Comparator<Long> bestFirst = descending ? Comparator.reverseOrder() : Comparator.naturalOrder();
    try {
      Long lastCold = null;
      List<Long> totals = new ArrayList<>(coldFirst.size());
      for (List<Object> group : coldFirst.groups()) {
        Long cold = (Long) coldFirst.parts(group)[part];
        if (cold == null) {
          return Optional.empty(); // nulls come last: the groups left out may all be null too
        }
        lastCold = lastCold == null || bestFirst.compare(cold, lastCold) > 0 ? cold : lastCold;
        Object[] hotParts = hot.parts(group);
        Long hotPart = hotParts == null ? null : (Long) hotParts[part];
        totals.add(hotPart == null ? cold : Math.addExact(cold, hotPart));
      }
      totals.sort(bestFirst);
      long cut = totals.get(limit - 1);
      if (bestFirst.compare(cut, lastCold) >= 0) {
        return Optional.empty(); // a group left out may tie with or beat the cut on its cold rows
      }
      long slack = descending ? Math.max(lastCold, 0) : Math.min(lastCold, 0);
      Set<List<Object>> candidates = new HashSet<>();
      for (List<Object> group : hot.groups()) {
        Long hotPart = (Long) hot.parts(group)[part];
        // The value first: most hot groups fall short, and need no look-up.
        if (hotPart != null
            && bestFirst.compare(Math.addExact(hotPart, slack), cut) <= 0
            && coldFirst.parts(group) == null) {
          candidates.add(group);
        }
      }
      return Optional.of(candidates);
    } catch (ArithmeticException outOfRange) {
      return Optional.empty();
    }
  }
}
