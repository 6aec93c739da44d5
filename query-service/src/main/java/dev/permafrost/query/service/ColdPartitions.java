package dev.permafrost.query.service;

import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.query.domain.Aggregation;
import dev.permafrost.query.domain.Aggregation.Bucket;
import dev.permafrost.query.domain.Aggregation.GroupKey;
import dev.permafrost.query.domain.ColdObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/** How a question's cold objects fall into partitions, and its groups into them. */
final class ColdPartitions {

  private ColdPartitions() {}

  /** The ACTIVE objects of one partition of the cold tier, all covering [start, end). */
  record Partition(Instant start, Instant end, List<ColdObject> objects) {}

  /**
   * The index of the group that buckets the time column by day or hour, if the question's range and
   * every one of {@code partitions} (in time order) begin and end on the bucket's boundaries: then
   * each group lies in exactly one partition, so a partition's parts computed over all of its rows
   * serve any such range that covers it, cut to the range's buckets.
   */
  static OptionalInt alignedBucket(
      DatasetDefinition dataset, Aggregation aggregation, List<Partition> partitions) {
    for (int i = 0; i < aggregation.groups().size(); i++) {
      GroupKey group = aggregation.groups().get(i);
      if (group.bucket() == Bucket.NONE || !group.column().equals(dataset.timeColumn())) {
        continue;
      }
      ChronoUnit unit = group.bucket() == Bucket.DAY ? ChronoUnit.DAYS : ChronoUnit.HOURS;
      boolean aligned =
          onBoundary(aggregation.from(), unit)
              && onBoundary(aggregation.to(), unit)
              && partitions.stream()
                  .allMatch(p -> onBoundary(p.start(), unit) && onBoundary(p.end(), unit));
      return aligned && disjoint(partitions) ? OptionalInt.of(i) : OptionalInt.empty();
    }
    return OptionalInt.empty();
  }

  static boolean onBoundary(Instant instant, ChronoUnit unit) {
    return instant.truncatedTo(unit).equals(instant); // UTC days and hours
  }

  /** The objects by partition, in time order. */
  static List<Partition> of(List<ColdObject> objects) {
    List<ColdObject> inOrder = new ArrayList<>(objects);
    inOrder.sort(
        Comparator.comparing(ColdObject::partitionStart).thenComparing(ColdObject::partitionEnd));
    List<Partition> partitions = new ArrayList<>();
    for (ColdObject object : inOrder) {
      Partition last = partitions.isEmpty() ? null : partitions.get(partitions.size() - 1);
      if (last != null
          && last.start().equals(object.partitionStart())
          && last.end().equals(object.partitionEnd())) {
        last.objects().add(object);
      } else {
        partitions.add(
            new Partition(
                object.partitionStart(), object.partitionEnd(), new ArrayList<>(List.of(object))));
      }
    }
    return partitions;
  }

  /** Whether no two partitions overlap, as a table's time partitions never do. */
  static boolean disjoint(List<Partition> partitions) {
    for (int i = 1; i < partitions.size(); i++) {
      if (partitions.get(i).start().isBefore(partitions.get(i - 1).end())) {
        return false;
      }
    }
    return true;
  }

  /** The index of the partition holding {@code instant} in {@code partitions}, in time order. */
  static Integer indexHolding(List<Partition> partitions, Instant instant) {
    if (instant == null) {
      return null;
    }
    int low = 0;
    int high = partitions.size() - 1;
    while (low <= high) {
      int middle = (low + high) >>> 1;
      Partition partition = partitions.get(middle);
      if (instant.isBefore(partition.start())) {
        high = middle - 1;
      } else if (!instant.isBefore(partition.end())) {
        low = middle + 1;
      } else {
        return middle;
      }
    }
    return null;
  }

  /** The first instant of a day or hour group's bucket. */
  static Instant bucketStart(Object bucket) {
    if (bucket instanceof LocalDate day) {
      return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }
    return (Instant) bucket;
  }

  /**
   * The pieces of one month's objects whose parts a question over [from, to) keeps: the month, if
   * the range holds every one of its partitions; else each week of it (days 1 to 7, 8 to 14, 15 to
   * 21, 22 to 28, 29 to its end) the range holds whole, and each day of the other weeks the range
   * holds whole. A month whose partitions are longer than a day is kept whole or not at all.
   */
  static List<List<ColdObject>> keptPieces(List<ColdObject> ofMonth, Instant from, Instant to) {
    if (ofMonth.stream().allMatch(o -> holds(from, to, o))) {
      return List.of(ofMonth);
    }
    if (!ofMonth.stream().allMatch(ColdPartitions::withinOneDay)) {
      return List.of();
    }
    List<List<ColdObject>> pieces = new ArrayList<>();
    for (List<ColdObject> week : groupedBy(ofMonth, o -> (dayOf(o).getDayOfMonth() - 1) / 7)) {
      if (week.stream().allMatch(o -> holds(from, to, o))) {
        pieces.add(week);
        continue;
      }
      for (List<ColdObject> day : groupedBy(week, ColdPartitions::dayOf)) {
        if (day.stream().allMatch(o -> holds(from, to, o))) {
          pieces.add(day);
        }
      }
    }
    return pieces;
  }

  /**
   * The ranges of [from, to) whose rows are read from {@code objects} (in time order) rather than
   * from kept parts: one per run of objects between those whose SHA-256 is in {@code kept}, cut to
   * [from, to). No range holds a row of a kept object, since partitions do not overlap.
   */
  static List<Range> rowRanges(
      List<ColdObject> objects, Set<String> kept, Instant from, Instant to) {
    List<Range> ranges = new ArrayList<>();
    Instant start = null;
    Instant end = null;
    for (ColdObject object : objects) {
      if (kept.contains(object.sha256())) {
        if (start != null) {
          ranges.add(new Range(start, end));
          start = null;
        }
        continue;
      }
      Instant objectEnd = object.partitionEnd().isAfter(to) ? to : object.partitionEnd();
      if (start == null) {
        start = object.partitionStart().isBefore(from) ? from : object.partitionStart();
        end = objectEnd;
      } else if (objectEnd.isAfter(end)) {
        end = objectEnd;
      }
    }
    if (start != null) {
      ranges.add(new Range(start, end));
    }
    return ranges;
  }

  /** A time range [from, to). */
  record Range(Instant from, Instant to) {}

  private static boolean holds(Instant from, Instant to, ColdObject object) {
    return !object.partitionStart().isBefore(from) && !object.partitionEnd().isAfter(to);
  }

  private static boolean withinOneDay(ColdObject object) {
    Instant dayStart = object.partitionStart().truncatedTo(ChronoUnit.DAYS);
    return !object.partitionEnd().isAfter(dayStart.plus(1, ChronoUnit.DAYS));
  }

  private static LocalDate dayOf(ColdObject object) {
    return LocalDate.ofInstant(object.partitionStart(), ZoneOffset.UTC);
  }

  /** The objects grouped by {@code key}, the groups in the key's order and each in time order. */
  private static <K extends Comparable<K>> List<List<ColdObject>> groupedBy(
      List<ColdObject> objects, Function<ColdObject, K> key) {
    Map<K, List<ColdObject>> groups = new TreeMap<>();
    for (ColdObject object : objects) {
      groups.computeIfAbsent(key.apply(object), k -> new ArrayList<>()).add(object);
    }
    return List.copyOf(groups.values());
  }
}
