package dev.permafrost.exporter.rest;

import dev.permafrost.exporter.domain.ExportJob;
import dev.permafrost.exporter.persistence.ExportJobs;
import dev.permafrost.exporter.service.ExportJobService;
import dev.permafrost.support.rest.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;

/** Starts exports and backfills of time ranges and shows their progress. */
@Path("/api/v1/exports")
@Produces(MediaType.APPLICATION_JSON)
public class ExportResource {

  private final ExportJobService jobService;
  private final ExportJobs jobs;

  public ExportResource(ExportJobService jobService, ExportJobs jobs) {
    this.jobService = jobService;
    this.jobs = jobs;
  }

  /** Starts exporting every closed partition that overlaps [from, to); 202 with the job. */
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  public Response start(ExportRequest request) {
    if (request == null) {
      throw ProblemException.badRequest("a JSON body {dataset, from, to} is required");
    }
    ExportJob job = jobService.start(request.dataset(), request.from(), request.to());
    return Response.accepted(job).location(URI.create("/api/v1/exports/" + job.id())).build();
  }

  @GET
  @Path("/{id}")
  public ExportJob get(@PathParam("id") String id) {
    UUID jobId = ProblemException.parseUuid("job id", id);
    return jobs.find(jobId)
        .orElseThrow(() -> ProblemException.notFound("Unknown job", "no export job " + id));
  }

  /**
   * What {@code POST} would export for the same range, without exporting: each partition with its
   * hot rows and the chunks it has; 400 for a range {@code POST} would refuse.
   */
  @GET
  @Path("/plan")
  public List<ExportJobService.PlannedPartition> plan(
      @QueryParam("dataset") String dataset,
      @QueryParam("from") String from,
      @QueryParam("to") String to) {
    return jobService.plan(dataset, from, to);
  }

  /** The 50 newest jobs, with their failures. */
  @GET
  public List<ExportJob> recent() {
    return jobs.recent(50);
  }
}
