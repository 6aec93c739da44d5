package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code ./permafrost report wikimedia --hour H | --day D [--output FILE | --output store]}: the
 * Wikimedia report of the query-service, in its text form, to the terminal, a file, or the object
 * store.
 */
final class ReportCommand {

  /** Where the query-service is unless {@code --query-url} or the environment says otherwise. */
  static final String DEFAULT_QUERY_URL = "http://localhost:8083";

  private ReportCommand() {}

  static int run(List<String> args, PrintStream out) throws IOException {
    if (args.size() < 2 || !args.get(1).equals("wikimedia")) {
      throw new Launcher.UsageException("report needs a report name; reports: wikimedia");
    }
    String period = null;
    String output = null;
    String queryUrl = System.getenv().getOrDefault("PERMAFROST_QUERY_URL", DEFAULT_QUERY_URL);
    for (int i = 2; i < args.size(); i++) {
      String option = args.get(i);
      switch (option) {
        case "--hour", "--day" -> {
          if (period != null) {
            throw new Launcher.UsageException("give one of --hour or --day, not both");
          }
          period = option.substring(2) + "=" + encoded(value(args, ++i, option));
        }
        case "--output" -> output = value(args, ++i, option);
        case "--query-url" -> queryUrl = value(args, ++i, option);
        default ->
            throw new Launcher.UsageException(
                "unknown option '" + option + "' for report wikimedia");
      }
    }
    if (period == null) {
      throw new Launcher.UsageException(
          "report wikimedia needs --hour (like 2026-11-20T13) or --day (like 2026-11-20)");
    }
    String url = queryUrl.replaceAll("/+$", "") + "/api/v1/reports/wikimedia/top?" + period;
    RestClient rest = new RestClient();
    if ("store".equals(output)) {
      JsonNode stored = rest.post(url, java.util.Map.of());
      out.println(
          "s3://"
              + stored.path("bucket").asText()
              + "/"
              + stored.path("key").asText()
              + " ("
              + stored.path("entries").asInt()
              + " pages, sha256 "
              + stored.path("sha256").asText()
              + ")");
      return 0;
    }
    String text = rest.getText(url + "&format=text");
    if (output == null) {
      out.print(text);
    } else {
      Files.writeString(Path.of(output), text, StandardCharsets.UTF_8);
      out.println(output + " (" + (text.lines().count() - 3) + " pages)");
    }
    return 0;
  }

  private static String value(List<String> args, int index, String option) {
    if (index >= args.size()) {
      throw new Launcher.UsageException(option + " needs a value");
    }
    return args.get(index);
  }

  private static String encoded(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
