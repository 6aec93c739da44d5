package dev.permafrost.exporter.ingest;

import java.time.Instant;

/** The dump of an hour is not on the server (yet): the hour is tried again later, not failed. */
public class HourNotPublishedException extends Exception {

  public HourNotPublishedException(Instant hour, String url) {
    super("the dump of hour " + hour + " is not published yet: " + url + " answered 404");
  }
}
