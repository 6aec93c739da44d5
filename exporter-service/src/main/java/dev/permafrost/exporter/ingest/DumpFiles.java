package dev.permafrost.exporter.ingest;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Names and places of Wikimedia's hourly page-view dumps: {@code
 * BASE/2026/2026-11/pageviews-20261120-130000.gz}, the file of the hour that starts at 13:00 UTC.
 * The local cache uses the same year/month folders.
 */
public final class DumpFiles {

  private static final DateTimeFormatter YEAR = DateTimeFormatter.ofPattern("yyyy");
  private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy-MM");
  private static final DateTimeFormatter FILE =
      DateTimeFormatter.ofPattern("'pageviews-'yyyyMMdd'-'HH'0000.gz'");

  private DumpFiles() {}

  /** The path of the hour's file below the base URL or cache folder: {@code YYYY/YYYY-MM/NAME}. */
  public static String relativePath(Instant hour) {
    var utc = hour.atOffset(ZoneOffset.UTC);
    return YEAR.format(utc) + "/" + MONTH.format(utc) + "/" + FILE.format(utc);
  }
}
