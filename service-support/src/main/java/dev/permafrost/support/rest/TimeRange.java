package dev.permafrost.support.rest;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * A half-open UTC interval {@code [from, to)} given in a request, as a date ({@code 2026-11-20},
 * its midnight) or an instant ({@code 2026-11-20T13:00:00Z}); bad input is a 400 problem saying
 * what is allowed.
 */
public record TimeRange(Instant from, Instant to) {

  private static final String ALLOWED =
      "a date like 2026-11-20 or an instant like 2026-11-20T13:00:00Z";

  /** Parses both ends, each required, and checks that {@code from} is before {@code to}. */
  public static TimeRange parse(String from, String to) {
    Instant start = time("from", from);
    Instant end = time("to", to);
    if (!start.isBefore(end)) {
      throw ProblemException.badRequest("from (" + from + ") must be before to (" + to + ")");
    }
    return new TimeRange(start, end);
  }

  private static Instant time(String field, String value) {
    if (value == null || value.isBlank()) {
      throw ProblemException.badRequest(field + " is required: " + ALLOWED);
    }
    try {
      return value.length() == 10
          ? LocalDate.parse(value).atStartOfDay().toInstant(ZoneOffset.UTC)
          : Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw ProblemException.badRequest(field + " is '" + value + "'; allowed: " + ALLOWED);
    }
  }
}
