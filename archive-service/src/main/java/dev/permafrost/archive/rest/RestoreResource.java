package dev.permafrost.archive.rest;

import dev.permafrost.archive.domain.RestoreStatus;
import dev.permafrost.archive.service.RestoreService;
import dev.permafrost.contracts.v1.RestoreRequested;
import dev.permafrost.support.rest.ProblemException;
import dev.permafrost.support.rest.TimeRange;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Brings archived partitions back into PostgreSQL and shows how far each request got. */
@Path("/api/v1/restores")
@Produces(MediaType.APPLICATION_JSON)
public class RestoreResource {

  /**
   * A restore request.
   *
   * @param from a date ({@code 2026-11-20}) or an instant, inclusive
   * @param to a date or an instant, exclusive
   * @param tenant optional, for datasets with a tenant column: only this tenant's rows come back,
   *     the other rows of its chunks stay cold
   * @param requestId optional; repeating a request with the same id is answered with the first
   */
  public record RestoreBody(
      String dataset,
      String from,
      String to,
      String tenant,
      String reason,
      String requestedBy,
      String requestId) {}

  private final RestoreService restores;

  public RestoreResource(RestoreService restores) {
    this.restores = restores;
  }

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(
      summary =
          "Restores every ACTIVE chunk whose partition starts in [from, to), or only one"
              + " tenant's rows of them; 202 with the request, 409 if nothing there is archived"
              + " or the tenant was erased")
  public Response restore(RestoreBody body) {
    if (body == null) {
      throw ProblemException.badRequest(
          "a JSON body {dataset, from, to, tenant?, reason, requestedBy} is required");
    }
    TimeRange range = TimeRange.parse(body.from(), body.to());
    UUID requestId =
        body.requestId() == null
            ? UUID.randomUUID()
            : ProblemException.parseUuid("requestId", body.requestId());
    RestoreStatus status =
        restores.request(
            new RestoreRequested(
                requestId,
                body.dataset(),
                range.from(),
                range.to(),
                body.tenant(),
                body.reason(),
                body.requestedBy() == null ? "api" : body.requestedBy()));
    return Response.accepted(status)
        .location(URI.create("/api/v1/restores/" + status.requestId()))
        .build();
  }

  @GET
  @Path("/{id}")
  public RestoreStatus get(@PathParam("id") String id) {
    return restores
        .status(ProblemException.parseUuid("restore id", id))
        .orElseThrow(() -> ProblemException.notFound("Unknown restore", "no restore " + id));
  }

  /** The 100 newest requests. */
  @GET
  public List<RestoreStatus> recent() {
    return restores.recent();
  }
}
