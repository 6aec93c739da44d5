package dev.permafrost.format;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Locale;

/** The width of a dataset's time partitions; every partition is a half-open UTC interval. */
public enum Grain {
  HOUR,
  DAY,
  MONTH;

  /** Parses {@code hour}, {@code day} or {@code month}, naming the allowed values if it fails. */
  public static Grain parse(String value) {
    return Arrays.stream(values())
        .filter(g -> g.name().equalsIgnoreCase(value))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown grain '" + value + "'; allowed: hour, day, month"));
  }

  /** The start of the partition that holds {@code time}. */
  public Instant start(Instant time) {
    LocalDateTime utc = LocalDateTime.ofInstant(time, ZoneOffset.UTC);
    LocalDateTime start =
        switch (this) {
          case HOUR -> utc.truncatedTo(ChronoUnit.HOURS);
          case DAY -> utc.truncatedTo(ChronoUnit.DAYS);
          case MONTH -> utc.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
        };
    return start.toInstant(ZoneOffset.UTC);
  }

  /** The exclusive end of the partition that starts at {@code start}. */
  public Instant end(Instant start) {
    LocalDateTime utc = LocalDateTime.ofInstant(start, ZoneOffset.UTC);
    LocalDateTime end =
        switch (this) {
          case HOUR -> utc.plusHours(1);
          case DAY -> utc.plusDays(1);
          case MONTH -> utc.plusMonths(1);
        };
    return end.toInstant(ZoneOffset.UTC);
  }

  /** The partition's name: {@code 2026-11-20T13}, {@code 2026-11-20} or {@code 2026-11}. */
  public String partitionName(Instant start) {
    LocalDateTime utc = LocalDateTime.ofInstant(start, ZoneOffset.UTC);
    return switch (this) {
      case HOUR ->
          String.format(
              Locale.ROOT,
              "%s-%02d-%02dT%02d",
              utc.getYear(),
              utc.getMonthValue(),
              utc.getDayOfMonth(),
              utc.getHour());
      case DAY -> utc.toLocalDate().toString();
      case MONTH -> String.format(Locale.ROOT, "%04d-%02d", utc.getYear(), utc.getMonthValue());
    };
  }

  /** The Hive-style directories of the partition: {@code year=2026/month=11/day=20[/hour=13]}. */
  public String hivePath(Instant start) {
    LocalDateTime utc = LocalDateTime.ofInstant(start, ZoneOffset.UTC);
    String month =
        String.format(Locale.ROOT, "year=%04d/month=%02d", utc.getYear(), utc.getMonthValue());
    return switch (this) {
      case MONTH -> month;
      case DAY -> month + String.format(Locale.ROOT, "/day=%02d", utc.getDayOfMonth());
      case HOUR ->
          month
              + String.format(
                  Locale.ROOT, "/day=%02d/hour=%02d", utc.getDayOfMonth(), utc.getHour());
    };
  }
}
