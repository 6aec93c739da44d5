package dev.permafrost.format;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Writes canonical row values as PostgreSQL's COPY text format, so that rows read from a chunk load
 * back with the exact values they left with. A geometry is written as PostGIS reads it: {@code
 * SRID=4326;} and the hex of its WKB.
 */
public final class CopyText {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS");

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
    String text =
        switch (column.type()) {
          case ARRAY -> arrayLiteral(column.elementType(), (List<?>) value);
          case GEOMETRY ->
              (column.srid() == 0 ? "" : "SRID=" + column.srid() + ";")
                  + HexFormat.of().formatHex((byte[]) value);
          default -> text(column.type(), value);
        };
    escape(out, text);
  }

  /** A value's text as PostgreSQL's input functions read it, before COPY's own escaping. */
  static String text(ColumnType type, Object value) {
    return switch (type) {
      case BYTEA -> "\\x" + HexFormat.of().formatHex((byte[]) value);
      case BOOLEAN -> (Boolean) value ? "t" : "f";
      case DATE -> date((LocalDate) value);
      case TIMESTAMP -> timestamp((LocalDateTime) value, "");
      case TIMESTAMPTZ ->
          timestamp(LocalDateTime.ofInstant((Instant) value, ZoneOffset.UTC), "+00");
      case TIME -> ((LocalTime) value).format(TIME);
      case INTERVAL -> interval((PgInterval) value);
      // Java's shortest decimal that reads back as the same float or double; NaN, Infinity and
      // -Infinity are PostgreSQL's spellings too.
      case SMALLINT, INTEGER, BIGINT, REAL, DOUBLE, NUMERIC, TEXT, JSONB, UUID -> value.toString();
      case ARRAY, GEOMETRY ->
          throw new IllegalArgumentException(type + " values need their column, not just a type");
    };
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

  /** ISO dates, but with PostgreSQL's era suffix rather than Java's signed years. */
  private static String date(LocalDate date) {
    int year = date.getYear();
    String era = year <= 0 ? " BC" : "";
    return String.format(
            Locale.ROOT,
            "%04d-%02d-%02d",
            year <= 0 ? 1 - year : year,
            date.getMonthValue(),
            date.getDayOfMonth())
        + era;
  }

  private static String timestamp(LocalDateTime time, String zone) {
    String date = date(time.toLocalDate());
    String clock = time.toLocalTime().format(TIME);
    return date.endsWith(" BC")
        ? date.substring(0, date.length() - 3) + " " + clock + zone + " BC"
        : date + " " + clock + zone;
  }

  private static String interval(PgInterval interval) {
    long micros = interval.micros();
    String seconds =
        java.math.BigDecimal.valueOf(micros, 6).toPlainString(); // exact, sign included
    return interval.months() + " mons " + interval.days() + " days " + seconds + " secs";
  }

  private static void escape(StringBuilder out, String text) {
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
