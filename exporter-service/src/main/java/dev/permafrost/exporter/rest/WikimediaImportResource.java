package dev.permafrost.exporter.rest;

import dev.permafrost.exporter.ingest.ImportJob;
import dev.permafrost.exporter.ingest.ImportJobStore;
import dev.permafrost.exporter.ingest.WikimediaImports;
import dev.permafrost.support.rest.ProblemException;
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

/** Starts imports of Wikimedia's hourly page-view dumps and shows their progress. */
@Path("/api/v1/imports/wikimedia")
@Produces(MediaType.APPLICATION_JSON)
public class WikimediaImportResource {

  private final WikimediaImports imports;
  private final ImportJobStore jobs;

  public WikimediaImportResource(WikimediaImports imports, ImportJobStore jobs) {
    this.imports = imports;
    this.jobs = jobs;
  }

  /** Starts importing every hour of [from, to) that was not imported before; 202 with the job. */
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  public Response start(ImportRequest request) {
    if (request == null) {
      throw ProblemException.badRequest(
          "a JSON body {from, to, force} is required, e.g. {\"from\": \"2026-11-20T00:00:00Z\","
              + " \"to\": \"2026-11-20T06:00:00Z\"}");
    }
    ImportJob job = imports.start(request.from(), request.to(), request.force());
    return Response.accepted(job)
        .location(URI.create("/api/v1/imports/wikimedia/" + job.id()))
        .build();
  }

  /** A job's progress: hours done of total, lines read and skipped, bytes downloaded, each hour. */
  @GET
  @Path("/{id}")
  public ImportJob get(@PathParam("id") String id) {
    UUID jobId = ProblemException.parseUuid("job id", id);
    return jobs.find(jobId)
        .orElseThrow(() -> ProblemException.notFound("Unknown job", "no import job " + id));
  }

  /** The 50 newest jobs. */
  @GET
  public List<ImportJob> recent() {
    return jobs.recent(50);
  }
}
