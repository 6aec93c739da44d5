package dev.permafrost.query.rest;

import dev.permafrost.query.domain.DatasetInfo;
import dev.permafrost.query.service.DatasetCatalog;
import dev.permafrost.support.rest.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The configured datasets, and restores asked of the archive-service. */
@Path("/api/v1/datasets")
@Produces(MediaType.APPLICATION_JSON)
public class DatasetsResource {

  private final DatasetCatalog catalog;

  public DatasetsResource(DatasetCatalog catalog) {
    this.catalog = catalog;
  }

  @GET
  @Operation(summary = "Every configured dataset: table, time column, grain, mode, tenant, metric")
  public List<DatasetInfo> all() {
    return catalog.all();
  }

  @GET
  @Path("/{dataset}")
  @Operation(
      summary =
          "One dataset with the columns queries may use and, in one snapshot, its rows and time"
              + " range in each tier")
  public DatasetInfo describe(@PathParam("dataset") String dataset) {
    return catalog.describe(dataset);
  }

  /**
   * A restore request; from and to are dates or instants, to exclusive.
   *
   * @param tenant optional: only this tenant's rows come back
   */
  public record RestoreBody(
      String from, String to, String tenant, String reason, String requestedBy) {}

  @POST
  @Path("/{dataset}/restores")
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(
      summary =
          "Passes a restore of [from, to) on to the archive-service as restore-requested; 202"
              + " with the request id to follow at the archive-service's /api/v1/restores/{id}")
  public Response restore(@PathParam("dataset") String dataset, RestoreBody body) {
    if (body == null) {
      throw ProblemException.badRequest(
          "a JSON body {from, to, tenant?, reason, requestedBy} is required");
    }
    UUID requestId =
        catalog.requestRestore(
            dataset, body.from(), body.to(), body.tenant(), body.reason(), body.requestedBy());
    return Response.accepted(Map.of("requestId", requestId, "dataset", dataset)).build();
  }
}
