package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jobs} and {@code jobs watch ID}: export jobs, and reattaching to one. */
@Command(
    name = "jobs",
    mixinStandardHelpOptions = true,
    description = "The newest export jobs with their progress; 'watch ID' follows one to its end.",
    subcommands = JobsCommand.Watch.class,
    footer = {
      "",
      "Examples:",
      "  ./permafrost jobs",
      "  ./permafrost jobs watch 0b9d4f3e-8c1a-4a57-9e0b-6f2d1c3b5a71"
    })
final class JobsCommand implements Callable<Integer> {

  private final OperatorCli cli;

  JobsCommand(OperatorCli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    JsonNode jobs = cli.rest.get(cli.exporter() + "/api/v1/exports");
    if (jobs.isEmpty()) {
      cli.out.println("(no export jobs)");
    }
    for (JsonNode job : jobs) {
      cli.out.printf(
          "%s  %-14s %s..%s  %s%s%n",
          job.path("id").asText(),
          job.path("dataset").asText(),
          job.path("from").asText(),
          job.path("to").asText(),
          ExportCommand.progressLine(job),
          job.path("error").isTextual() ? "  " + job.path("error").asText() : "");
    }
    return 0;
  }

  @Command(
      name = "watch",
      mixinStandardHelpOptions = true,
      description = "Follows an export job until it ends; exit 1 if it failed.",
      footer = {"", "Example:", "  ./permafrost jobs watch 0b9d4f3e-8c1a-4a57-9e0b-6f2d1c3b5a71"})
  static final class Watch implements Callable<Integer> {

    @Parameters(paramLabel = "ID", description = "the job's id, from ./permafrost jobs")
    java.util.UUID id;

    private final OperatorCli cli;

    Watch(OperatorCli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      return ExportCommand.watch(cli, id.toString());
    }
  }
}
