package dev.permafrost.launcher;

import picocli.CommandLine.Option;

/**
 * The {@code --from} and {@code --to} of commands over a range of partitions, [from, to), each a
 * date or an instant, checked before anything is asked of a service.
 */
final class TimeRangeOptions {

  @Option(
      names = "--from",
      required = true,
      converter = OperatorCli.TimeArgument.class,
      description = "a date or an instant")
  String from;

  @Option(
      names = "--to",
      required = true,
      converter = OperatorCli.TimeArgument.class,
      description = "a date or an instant, exclusive")
  String to;

  /** {@code from=...&to=...}, encoded for a query string. */
  String query() {
    return "from=" + OperatorCli.queryValue(from) + "&to=" + OperatorCli.queryValue(to);
  }
}
