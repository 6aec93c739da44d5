package dev.permafrost.query.rest;

import dev.permafrost.query.domain.WikimediaTopReport;
import dev.permafrost.query.service.DenyList;
import dev.permafrost.query.service.WikimediaReports;
import dev.permafrost.support.rest.ProblemException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** The Wikimedia reports: top pages per domain, and the deny-list they leave out. */
@Path("/api/v1/reports/wikimedia")
public class WikimediaReportResource {

  private final WikimediaReports reports;
  private final DenyList denyList;

  public WikimediaReportResource(WikimediaReports reports, DenyList denyList) {
    this.reports = reports;
    this.denyList = denyList;
  }

  @GET
  @Path("/top")
  @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
  @Operation(
      summary =
          "The 25 most viewed pages of every domain for an hour or a day, deny-listed pages left"
              + " out; format=text gives one line per page: domain rank title views")
  public Response top(
      @Parameter(description = "a whole UTC hour: 2026-11-20T13 or 2026-11-20T13:00:00Z")
          @QueryParam("hour")
          String hour,
      @Parameter(description = "a UTC day: 2026-11-20") @QueryParam("day") String day,
      @Parameter(description = "json (default) or text") @QueryParam("format") @DefaultValue("json")
          String format) {
    return switch (format) {
      case "json" -> Response.ok(reports.top(hour, day), MediaType.APPLICATION_JSON).build();
      case "text" ->
          Response.ok(reports.top(hour, day).toText(), MediaType.TEXT_PLAIN + ";charset=utf-8")
              .build();
      default ->
          throw ProblemException.badRequest("format is '" + format + "'; allowed: json, text");
    };
  }

  @POST
  @Path("/top")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary =
          "Writes the report of an hour or a day to the object store in its text form; 201 with"
              + " its key")
  public Response write(@QueryParam("hour") String hour, @QueryParam("day") String day) {
    WikimediaTopReport report = reports.top(hour, day);
    return Response.status(Response.Status.CREATED).entity(reports.write(report)).build();
  }

  @GET
  @Path("/deny-list")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "The deny-list in use: its source, SHA-256 and number of entries")
  public Map<String, Object> denyList() {
    return describe(denyList.current());
  }

  @POST
  @Path("/deny-list/refresh")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Reads the deny-list again from its file or URL")
  public Map<String, Object> refresh() {
    return describe(denyList.refresh());
  }

  private static Map<String, Object> describe(DenyList.Snapshot snapshot) {
    return Map.of(
        "source", snapshot.source(),
        "sha256", snapshot.sha256(),
        "entries", snapshot.entries(),
        "loadedAt", snapshot.loadedAt().toString());
  }
}
