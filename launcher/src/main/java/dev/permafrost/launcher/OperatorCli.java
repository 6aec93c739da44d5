package dev.permafrost.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The operator commands of {@code ./permafrost}: they talk to the running services over REST and
 * answer in plain text (or JSON where asked). Errors are one line on stderr and a non-zero exit: 1
 * when the work failed or found something wrong, 2 when the command line was wrong.
 */
@Command(
    name = "permafrost",
    mixinStandardHelpOptions = true,
    version = "permafrost operator CLI",
    description = "Lifecycle tasks against the running Permafrost services.",
    subcommands = {
      StatusCommand.class,
      ExportCommand.class,
      JobsCommand.class,
      VerifyCommand.class,
      RestoreCommand.class,
      PurgeTenantCommand.class,
      QueryCommand.class,
      DdlCommand.class,
      ReportCommand.class
    },
    footer = {
      "",
      "Service URLs come from --exporter-url/--archive-url/--query-url, else the environment",
      "(PERMAFROST_EXPORTER_URL, ...), else ~/.permafrost/cli.properties (exporter-url=...),",
      "else the local demo stack (http://localhost:8081, 8082, 8083)."
    })
final class OperatorCli {

  /** The commands this class runs; {@code demo} and {@code bench} are the launcher's own. */
  static final java.util.List<String> COMMANDS =
      java.util.List.of(
          "status",
          "export",
          "jobs",
          "verify",
          "restore",
          "purge-tenant",
          "query",
          "ddl",
          "report");

  @Option(
      names = "--exporter-url",
      scope = ScopeType.INHERIT,
      description = "exporter-service base URL")
  String exporterUrl;

  @Option(names = "--archive-url", scope = ScopeType.INHERIT, description = "archive-service URL")
  String archiveUrl;

  @Option(names = "--query-url", scope = ScopeType.INHERIT, description = "query-service URL")
  String queryUrl;

  final PrintStream out;
  final PrintStream err;
  final BufferedReader in;
  final Map<String, String> environment;

  /**
   * Verifying and erasing answer only when done, so a call may take long; a refused one fails fast.
   */
  final RestClient rest = new RestClient(Duration.ofHours(2));

  OperatorCli(PrintStream out, PrintStream err, InputStream in, Map<String, String> environment) {
    this.out = out;
    this.err = err;
    this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    this.environment = environment;
  }

  /** Runs {@code args}; returns the exit code, having printed any error as one line. */
  static int run(String[] args, PrintStream out, PrintStream err, InputStream in) {
    OperatorCli cli = new OperatorCli(out, err, in, System.getenv());
    CommandLine commandLine = commandLine(cli);
    commandLine.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    commandLine.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    commandLine.setParameterExceptionHandler(
        (e, given) -> {
          err.println(
              "permafrost: "
                  + e.getMessage()
                  + " (see ./permafrost "
                  + e.getCommandLine()
                      .getCommandSpec()
                      .qualifiedName(" ")
                      .replace("permafrost ", "")
                  + " --help)");
          return 2;
        });
    commandLine.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
          err.println("permafrost: " + RestClient.oneLine(message));
          return e instanceof CommandLine.ParameterException ? 2 : 1;
        });
    return commandLine.execute(args);
  }

  /** The command tree, its commands made with {@code cli}. */
  static CommandLine commandLine(OperatorCli cli) {
    return new CommandLine(cli, new CommandFactory(cli));
  }

  String exporter() {
    return url(exporterUrl, "exporter", 8081);
  }

  String archive() {
    return url(archiveUrl, "archive", 8082);
  }

  String query() {
    return url(queryUrl, "query", 8083);
  }

  private String url(String flag, String service, int port) {
    String key = service + "-url";
    String chosen = flag;
    if (chosen == null) {
      chosen = environment.get("PERMAFROST_" + service.toUpperCase() + "_URL");
    }
    if (chosen == null) {
      chosen = configFile().getProperty(key);
    }
    if (chosen == null) {
      chosen = "http://localhost:" + port;
    }
    return chosen.replaceAll("/+$", "");
  }

  private Properties configFile() {
    Properties properties = new Properties();
    Path file = Path.of(System.getProperty("user.home"), ".permafrost", "cli.properties");
    if (Files.isRegularFile(file)) {
      try (var reader = Files.newBufferedReader(file)) {
        properties.load(reader);
      } catch (IOException e) {
        throw new UncheckedIOException("could not read " + file, e);
      }
    }
    return properties;
  }

  /**
   * Asks a yes/no question on stderr, so that it shows when stdout is redirected; only "y" or "yes"
   * is yes.
   */
  boolean confirm(String question) {
    err.print(question + " [y/N] ");
    err.flush();
    try {
      String answer = in.readLine();
      return answer != null
          && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code value} as one segment of a URL path: percent-encoded, a space as {@code %20} (in a path
   * a {@code +} is a plus).
   */
  static String pathSegment(String value) {
    return queryValue(value).replace("+", "%20");
  }

  /** {@code value} as a query-string value, percent-encoded. */
  static String queryValue(String value) {
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** A {@code --from} or {@code --to}: a date or an instant, checked before anything is asked. */
  static final class TimeArgument implements CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
      try {
        instant(value);
        return value;
      } catch (java.time.format.DateTimeParseException e) {
        throw new CommandLine.TypeConversionException(
            "'"
                + value
                + "' is neither a date like 2026-10-01 nor an instant like"
                + " 2026-10-01T13:00:00Z");
      }
    }
  }

  /** A checked time argument as an instant: a date is its midnight UTC. */
  static java.time.Instant instant(String value) {
    return value.length() == 10
        ? java.time.LocalDate.parse(value).atStartOfDay().toInstant(java.time.ZoneOffset.UTC)
        : java.time.Instant.parse(value);
  }

  /** Gives each command the CLI, for its URLs, output and prompt. */
  private record CommandFactory(OperatorCli cli) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> type) throws Exception {
      if (type == OperatorCli.class) {
        return type.cast(cli);
      }
      try {
        return type.getDeclaredConstructor(OperatorCli.class).newInstance(cli);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(type);
      }
    }
  }
}
