package dev.permafrost.format;

import java.util.Locale;

/**
 * A PostgreSQL interval exactly as the server keeps it: months, days and microseconds are three
 * separate parts (a month is not 30 days, a day is not always 24 hours).
 */
public record PgInterval(int months, int days, long micros) {

  /**
   * The ISO 8601 form, e.g. {@code P14M3DT4.000005S}: what the Parquet file holds, readable by
   * people and engines alike.
   */
  @Override
  public String toString() {
    long seconds = micros / 1_000_000;
    long fraction = Math.abs(micros % 1_000_000);
    String sign = micros < 0 && seconds == 0 ? "-" : "";
    return String.format(Locale.ROOT, "P%dM%dDT%s%d.%06dS", months, days, sign, seconds, fraction);
  }

  /** Parses what {@link #toString()} wrote. */
  public static PgInterval parse(String iso) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("P(-?\\d+)M(-?\\d+)DT(-?)(-?\\d+)\\.(\\d{6})S")
            .matcher(iso);
    if (!m.matches()) {
      throw new IllegalArgumentException("not an interval written by Permafrost: " + iso);
    }
    long seconds = Long.parseLong(m.group(4));
    long fraction = Long.parseLong(m.group(5));
    boolean negative = !m.group(3).isEmpty() || seconds < 0;
    long micros = Math.abs(seconds) * 1_000_000 + fraction;
    return new PgInterval(
        Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), negative ? -micros : micros);
  }
}
