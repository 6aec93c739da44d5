package dev.permafrost.archive.rest;

import dev.permafrost.archive.domain.Erasure;
import dev.permafrost.archive.domain.PurgePlan;
import dev.permafrost.archive.service.TenantPurge;
import dev.permafrost.contracts.v1.TenantPurgeRequested;
import dev.permafrost.support.rest.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** Erases tenants from both tiers (GDPR) and shows the erasure records. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class TenantResource {

  private final TenantPurge purge;

  public TenantResource(TenantPurge purge) {
    this.purge = purge;
  }

  @POST
  @Path("/tenants/{tenant}/purge")
  @Operation(
      summary =
          "Erases the tenant's rows from PostgreSQL and from every chunk, and returns the erasure"
              + " record; repeating a request with the same erasureId returns the same record")
  public Erasure purge(
      @PathParam("tenant") String tenant,
      @Parameter(description = "Only this dataset; default every dataset with a tenant column")
          @QueryParam("dataset")
          String dataset,
      @QueryParam("reason") String reason,
      @QueryParam("requestedBy") String requestedBy,
      @Parameter(description = "Id of the erasure, for retries; default a new one")
          @QueryParam("erasureId")
          String erasureId) {
    UUID id =
        erasureId == null ? UUID.randomUUID() : ProblemException.parseUuid("erasureId", erasureId);
    return purge.purge(
        new TenantPurgeRequested(
            id, tenant, dataset, reason, requestedBy == null ? "api" : requestedBy));
  }

  @GET
  @Path("/tenants/{tenant}/purge-plan")
  @Operation(
      summary =
          "What erasing the tenant would remove, changing nothing: per dataset its hot rows and"
              + " each object holding its rows (reads the chunks that may hold them)")
  public PurgePlan purgePlan(
      @PathParam("tenant") String tenant,
      @Parameter(description = "Only this dataset; default every dataset with a tenant column")
          @QueryParam("dataset")
          String dataset) {
    return purge.plan(tenant, dataset);
  }

  @GET
  @Path("/erasures/{id}")
  public Erasure erasure(@PathParam("id") String id) {
    return purge
        .find(ProblemException.parseUuid("erasure id", id))
        .orElseThrow(() -> ProblemException.notFound("Unknown erasure", "no erasure " + id));
  }
}
