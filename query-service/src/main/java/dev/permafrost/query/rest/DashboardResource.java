package dev.permafrost.query.rest;

import dev.permafrost.query.domain.AggregateAnswer;
import dev.permafrost.query.domain.DailyTotals;
import dev.permafrost.query.service.DashboardQueries;
import dev.permafrost.query.service.ExternalDdl;
import dev.permafrost.query.service.Payloads;
import dev.permafrost.query.service.TenantExport;
import dev.permafrost.support.rest.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/**
 * Dashboard questions over hot and cold rows as one table. Ranges are {@code from} and {@code to},
 * each a date or an instant; a date {@code to} includes its whole day. Filters, where an endpoint
 * takes them: {@code tenant=}, {@code filter.<column>=} (repeat it for any of several values),
 * {@code exclude.<column>=}, {@code min.<column>=} and {@code max.<column>=}.
 */
@Path("/api/v1/datasets/{dataset}")
@Produces(MediaType.APPLICATION_JSON)
public class DashboardResource {

  private final DashboardQueries queries;
  private final ExternalDdl ddl;
  private final Payloads payloads;
  private final TenantExport export;

  public DashboardResource(
      DashboardQueries queries, ExternalDdl ddl, Payloads payloads, TenantExport export) {
    this.queries = queries;
    this.ddl = ddl;
    this.payloads = payloads;
    this.export = export;
  }

  @GET
  @Path("/daily-totals")
  @Operation(summary = "Sum of the dataset's metric per UTC day, over hot and cold rows")
  public DailyTotals dailyTotals(
      @PathParam("dataset") String dataset,
      @Parameter(description = "Tenant to filter by, e.g. a project id; repeat it for several")
          @QueryParam("tenant")
          List<String> tenants,
      @Parameter(description = "Alias of tenant for page views") @QueryParam("project")
          List<String> projects,
      @Parameter(description = "First day, inclusive, e.g. 2026-10-01", required = true)
          @QueryParam("from")
          String from,
      @Parameter(description = "Last day, inclusive, e.g. 2026-10-31", required = true)
          @QueryParam("to")
          String to) {
    if (!tenants.isEmpty() && !projects.isEmpty()) {
      throw ProblemException.badRequest(
          "tenant and project name the same filter; give one of them");
    }
    return queries.dailyTotals(
        dataset, tenants.isEmpty() ? projects : tenants, day("from", from), day("to", to));
  }

  @GET
  @Path("/hourly-totals")
  @Operation(
      summary =
          "The dataset's metric (or metrics=sum(c),...) per UTC hour; datasets with a timestamp"
              + " time column")
  public AggregateAnswer hourlyTotals(@PathParam("dataset") String dataset, @Context UriInfo uri) {
    return queries.hourlyTotals(dataset, uri.getQueryParameters());
  }

  @GET
  @Path("/top")
  @Operation(
      summary =
          "Top n values of column by the sum of metric (default: the dataset's metric), e.g."
              + " column=path&tenant=1&n=25")
  public AggregateAnswer top(@PathParam("dataset") String dataset, @Context UriInfo uri) {
    return queries.top(dataset, uri.getQueryParameters());
  }

  @GET
  @Path("/top-per-group")
  @Operation(
      summary =
          "Top n values of column per value of group, e.g. group=domain&column=page&n=25"
              + "&exclude.page=Main_Page")
  public AggregateAnswer topPerGroup(@PathParam("dataset") String dataset, @Context UriInfo uri) {
    return queries.topPerGroup(dataset, uri.getQueryParameters());
  }

  @GET
  @Path("/aggregate")
  @Operation(
      summary =
          "groupBy=up to 4 columns (or day, hour), metrics=sum(c),count(*),min(c),max(c),avg(c),"
              + " filters, orderBy=name:desc, limit")
  public AggregateAnswer aggregate(@PathParam("dataset") String dataset, @Context UriInfo uri) {
    return queries.aggregate(dataset, uri.getQueryParameters());
  }

  @GET
  @Path("/rows/{id}/payload")
  @Operation(
      summary =
          "The offloaded columns of one row of an offload dataset, from PostgreSQL or from the"
              + " chunk its archive pointer names")
  public Payloads.Payload payload(
      @PathParam("dataset") String dataset, @PathParam("id") String id) {
    return payloads.payload(dataset, id);
  }

  @GET
  @Path("/export")
  @Produces({"application/x-ndjson", "application/vnd.apache.parquet"})
  @Operation(
      summary =
          "Every row of one tenant across both tiers, streamed: format=ndjson (default) or"
              + " parquet; from and to optional")
  public Response export(
      @PathParam("dataset") String dataset,
      @QueryParam("tenant") String tenant,
      @QueryParam("from") String from,
      @QueryParam("to") String to,
      @QueryParam("format") String format) {
    TenantExport.Request request = export.request(dataset, tenant, from, to, format);
    TenantExport.Prepared prepared = export.prepare(request);
    StreamingOutput body =
        out -> {
          try (prepared) {
            export.write(prepared, out);
          }
        };
    boolean parquet = request.format() == TenantExport.Format.PARQUET;
    return Response.ok(body, parquet ? "application/vnd.apache.parquet" : "application/x-ndjson")
        .header(
            "Content-Disposition",
            "attachment; filename=\""
                + dataset
                + "-"
                + tenant.replaceAll("[^A-Za-z0-9_.-]", "_")
                + (parquet ? ".parquet" : ".ndjson")
                + "\"")
        .build();
  }

  @GET
  @Path("/ddl")
  @Produces(MediaType.TEXT_PLAIN)
  @Operation(
      summary =
          "DDL for an external engine over the cold data: athena (Hive layout, partition"
              + " projection), trino (Hive connector) or duckdb (a view over the ACTIVE objects)")
  public String ddl(
      @PathParam("dataset") String dataset,
      @Parameter(description = "athena, trino or duckdb", required = true) @QueryParam("engine")
          String engine) {
    return ddl.ddl(dataset, ExternalDdl.engine(engine));
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
