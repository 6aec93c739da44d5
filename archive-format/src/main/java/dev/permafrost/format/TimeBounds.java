package dev.permafrost.format;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Binds a partition boundary to a statement in the type of the dataset's time column. */
public final class TimeBounds {

  private TimeBounds() {}

  /**
   * Binds {@code instant} as the time column's own type: a UTC date for {@code date}, a UTC
   * wall-clock time for {@code timestamp}, an instant for {@code timestamptz}.
   */
  public static void bind(
      PreparedStatement statement, int index, ColumnType timeType, Instant instant)
      throws SQLException {
    switch (timeType) {
      case DATE -> statement.setObject(index, LocalDate.ofInstant(instant, ZoneOffset.UTC));
      case TIMESTAMP ->
          statement.setObject(index, LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
      case TIMESTAMPTZ ->
          statement.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
      default ->
          throw new IllegalArgumentException(
              "a time column must be date, timestamp or timestamptz, not " + timeType);
    }
  }

  /** The instant a time column value stands for, reading dates and timestamps as UTC. */
  public static Instant toInstant(Object value) {
    if (value instanceof LocalDate date) {
      return date.atStartOfDay().toInstant(ZoneOffset.UTC);
    }
    if (value instanceof LocalDateTime time) {
      return time.toInstant(ZoneOffset.UTC);
    }
    if (value instanceof Instant instant) {
      return instant;
    }
    throw new IllegalArgumentException("not a time value: " + value);
  }
}
