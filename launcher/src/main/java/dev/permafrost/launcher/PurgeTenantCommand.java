package dev.permafrost.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code purge-tenant TENANT}: erases a tenant from both tiers, after naming what goes. */
@Command(
    name = "purge-tenant",
    mixinStandardHelpOptions = true,
    description = {
      "Erases a tenant's rows from PostgreSQL and from every chunk of every dataset with a tenant",
      "column (or of --dataset). A dry run first names the rows and objects that would go, and",
      "the erasure waits for a yes unless --yes; then it prints the erasure record."
    },
    footer = {"", "Example:", "  ./permafrost purge-tenant 7 --dataset pageviews"})
final class PurgeTenantCommand implements Callable<Integer> {

  @Parameters(paramLabel = "TENANT")
  String tenant;

  @Option(names = "--dataset", description = "only this dataset")
  String dataset;

  @Option(names = "--yes", description = "do not ask")
  boolean yes;

  @Option(names = "--reason", defaultValue = "erased with ./permafrost purge-tenant")
  String reason;

  @Option(names = "--requested-by", defaultValue = "${sys:user.name}")
  String requestedBy;

  private final OperatorCli cli;

  PurgeTenantCommand(OperatorCli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    String tenantPath = cli.archive() + "/api/v1/tenants/" + OperatorCli.pathSegment(tenant);
    String only = dataset == null ? "" : "dataset=" + OperatorCli.queryValue(dataset);
    JsonNode plan = cli.rest.get(tenantPath + "/purge-plan" + (only.isEmpty() ? "" : "?" + only));
    for (JsonNode share : plan.path("datasets")) {
      long deleted = 0;
      for (JsonNode object : share.path("objects")) {
        deleted += object.path("deleted").asBoolean() ? 1 : 0;
      }
      cli.out.printf(
          "  %-14s %,d hot rows; %,d rows in %d objects (%d deleted, %d rewritten)%n",
          share.path("dataset").asText(),
          share.path("hotRows").asLong(),
          share.path("coldRows").asLong(),
          share.path("objects").size(),
          deleted,
          share.path("objects").size() - deleted);
      for (JsonNode object : share.path("objects")) {
        cli.out.printf(
            "    %-9s %s  %,d rows%n",
            object.path("deleted").asBoolean() ? "delete" : "rewrite",
            object.path("key").asText(),
            object.path("rows").asLong());
      }
    }
    if (!yes
        && !cli.confirm("Erase tenant " + tenant + " as listed above? This cannot be undone.")) {
      throw new IllegalStateException("erasure declined at the prompt; nothing was changed");
    }
    JsonNode erasure =
        cli.rest.post(
            tenantPath
                + "/purge?reason="
                + OperatorCli.queryValue(reason)
                + "&requestedBy="
                + OperatorCli.queryValue(requestedBy)
                + (only.isEmpty() ? "" : "&" + only),
            java.util.Map.of());
    cli.out.println("erasure " + erasure.path("erasureId").asText() + " of tenant " + tenant);
    for (JsonNode share : erasure.path("datasets")) {
      cli.out.printf(
          "  %-14s %,d hot rows and %,d cold rows deleted, %d chunks rewritten, %d objects"
              + " deleted%n",
          share.path("dataset").asText(),
          share.path("hotRowsDeleted").asLong(),
          share.path("coldRowsDeleted").asLong(),
          share.path("chunks").size(),
          share.path("objectsDeleted").asInt());
    }
    return 0;
  }
}
