package dev.permafrost.query.rest;

import dev.permafrost.query.domain.DailyTotals;
import dev.permafrost.query.service.ColdReadException;
import dev.permafrost.query.service.DailyTotalsService;
import dev.permafrost.support.rest.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** Dashboard aggregates over hot and cold rows as one table. */
@Path("/api/v1/datasets/{dataset}")
@Produces(MediaType.APPLICATION_JSON)
public class DailyTotalsResource {

  private final DailyTotalsService service;

  public DailyTotalsResource(DailyTotalsService service) {
    this.service = service;
  }

  @GET
  @Path("/daily-totals")
  @Operation(summary = "Sum of the dataset's metric per UTC day, over hot and cold rows")
  public DailyTotals dailyTotals(
      @PathParam("dataset") String dataset,
      @Parameter(description = "Tenant to filter by, e.g. a project id") @QueryParam("tenant")
          String tenant,
      @Parameter(description = "Alias of tenant for page views") @QueryParam("project")
          String project,
      @Parameter(description = "First day, inclusive, e.g. 2026-10-01", required = true)
          @QueryParam("from")
          String from,
      @Parameter(description = "Last day, inclusive, e.g. 2026-10-31", required = true)
          @QueryParam("to")
          String to) {
    if (tenant != null && project != null && !tenant.equals(project)) {
      throw ProblemException.badRequest(
          "tenant and project name the same filter; give one of them");
    }
    try {
      return service.dailyTotals(
          dataset, tenant != null ? tenant : project, day("from", from), day("to", to));
    } catch (ColdReadException e) {
      throw ProblemException.unavailable(e.getMessage());
    }
  }

  private static LocalDate day(String name, String value) {
    if (value == null || value.isBlank()) {
      throw ProblemException.badRequest(name + " is required: a date like 2026-11-20");
    }
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw ProblemException.badRequest(
          name + " is '" + value + "'; allowed: a date like 2026-11-20");
    }
  }
}
