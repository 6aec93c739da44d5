package dev.permafrost.format;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes canonical row values as PostgreSQL's COPY text format, so that rows read from a chunk load
 * back with the exact values they left with. A geometry is written as PostGIS reads it: {@code
 * SRID=4326;} and the hex of its WKB.
 */
public final class CopyText {

  private CopyText() {}

  /** One row: the values separated by tabs, ending in a newline. */
  public static void appendRow(StringBuilder out, TableSchema schema, Object[] row) {
    for (int i = 0; i < row.length; i++) {
      if (i > 0) {
        out.append('\t');
      }
      appendValue(out, schema.column(i), row[i]);
    }
    out.append('\n');
  }

  /** One value, escaped for COPY; NULL as {@code \N}. */
  public static void appendValue(StringBuilder out, Column column, Object value) {
    if (value == null) {
      out.append("\\N");
      return;
    }
    switch (column.type()) {
      case TEXT, JSONB, NUMERIC -> escape(out, (String) value);
      case ARRAY -> escape(out, arrayLiteral(column.elementType(), (List<?>) value));
      case BYTEA -> out.append("\\\\x").append(HexFormat.of().formatHex((byte[]) value));
      case GEOMETRY -> {
        if (column.srid() != 0) {
          out.append("SRID=").append(column.srid()).append(';');
        }
        out.append(HexFormat.of().formatHex((byte[]) value));
      }
      // Written straight into the line, as they hold no character that COPY escapes: this is
      // most of a restore's formatting work, so no intermediate strings.
      default -> appendPlain(out, column.type(), value);
    }
  }

  /** A value's text as PostgreSQL's input functions read it, before COPY's own escaping. */
  static String text(ColumnType type, Object value) {
    return switch (type) {
      case TEXT, JSONB, NUMERIC -> (String) value;
      case BYTEA -> "\\x" + HexFormat.of().formatHex((byte[]) value);
      case ARRAY, GEOMETRY ->
          throw new IllegalArgumentException(type + " values need their column, not just a type");
      default -> {
        StringBuilder text = new StringBuilder(32);
        appendPlain(text, type, value);
        yield text.toString();
      }
    };
  }

  /** The text of a value whose type has no character COPY escapes (numbers, times, uuids). */
  private static void appendPlain(StringBuilder out, ColumnType type, Object value) {
    switch (type) {
      case BOOLEAN -> out.append((Boolean) value ? 't' : 'f');
      case DATE -> {
        LocalDate date = (LocalDate) value;
        appendDate(out, date);
        appendEra(out, date.getYear());
      }
      case TIMESTAMP -> appendTimestamp(out, (LocalDateTime) value, "");
      case TIMESTAMPTZ ->
          appendTimestamp(out, LocalDateTime.ofInstant((Instant) value, ZoneOffset.UTC), "+00");
      case TIME -> appendTime(out, (LocalTime) value);
      case INTERVAL -> appendInterval(out, (PgInterval) value);
      // Java's shortest decimal that reads back as the same float or double; NaN, Infinity and
      // -Infinity are PostgreSQL's spellings too.
      case SMALLINT, INTEGER, BIGINT, REAL, DOUBLE, UUID -> out.append(value);
      default -> throw new IllegalArgumentException(type + " values may need escaping");
    }
  }

  private static String arrayLiteral(ColumnType elementType, List<?> elements) {
    StringBuilder literal = new StringBuilder("{");
    for (int i = 0; i < elements.size(); i++) {
      if (i > 0) {
        literal.append(',');
      }
      Object element = elements.get(i);
      if (element == null) {
        literal.append("NULL");
      } else {
        literal.append('"');
        String text = text(elementType, element);
        for (int c = 0; c < text.length(); c++) {
          char ch = text.charAt(c);
          if (ch == '"' || ch == '\\') {
            literal.append('\\');
          }
          literal.append(ch);
        }
        literal.append('"');
      }
    }
    return literal.append('}').toString();
  }

  /**
   * ISO dates, but with PostgreSQL's era rather than Java's signed years: see {@link #appendEra}.
   */
  private static void appendDate(StringBuilder out, LocalDate date) {
    int year = date.getYear();
    appendPadded(out, year <= 0 ? 1 - year : year, 4);
    out.append('-');
    appendPadded(out, date.getMonthValue(), 2);
    out.append('-');
    appendPadded(out, date.getDayOfMonth(), 2);
  }

  /** PostgreSQL's suffix for years before 1 AD, which Java counts as 0, -1, ... */
  private static void appendEra(StringBuilder out, int year) {
    if (year <= 0) {
      out.append(" BC");
    }
  }

  private static void appendTimestamp(StringBuilder out, LocalDateTime time, String zone) {
    appendDate(out, time.toLocalDate());
    out.append(' ');
    appendTime(out, time.toLocalTime());
    out.append(zone);
    appendEra(out, time.getYear());
  }

  /** {@code HH:mm:ss.SSSSSS}: the microseconds always, as chunks keep no finer precision. */
  private static void appendTime(StringBuilder out, LocalTime time) {
    appendPadded(out, time.getHour(), 2);
    out.append(':');
    appendPadded(out, time.getMinute(), 2);
    out.append(':');
    appendPadded(out, time.getSecond(), 2);
    out.append('.');
    appendPadded(out, time.getNano() / 1000, 6);
  }

  private static void appendPadded(StringBuilder out, int value, int width) {
    for (int limit = 10, digits = 1; digits < width; limit *= 10, digits++) {
      if (value < limit) {
        out.append('0');
      }
    }
    out.append(value);
  }

  private static void appendInterval(StringBuilder out, PgInterval interval) {
    out.append(interval.months())
        .append(" mons ")
        .append(interval.days())
        .append(" days ")
        // exact, sign included
        .append(java.math.BigDecimal.valueOf(interval.micros(), 6).toPlainString())
        .append(" secs");
  }

  /** A text value with the characters COPY's text format escapes (backslash, tab, newlines). */
  public static void escape(StringBuilder out, String text) {
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      switch (ch) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(ch);
      }
    }
  }
}
