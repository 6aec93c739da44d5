package dev.permafrost.archive.rest;

import dev.permafrost.archive.domain.AuditEntry;
import dev.permafrost.archive.domain.DatasetStatus;
import dev.permafrost.archive.persistence.AuditLog;
import dev.permafrost.archive.persistence.DatasetStatusQuery;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.rest.ProblemException;
import dev.permafrost.support.rest.TimeRange;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** Where each dataset's data is, and the audit trail of verifications and deletions. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {

  private static final int MAX_AUDIT_ENTRIES = 1000;

  private final DataSource dataSource;
  private final Datasets datasets;
  private final DatasetStatusQuery statusQuery;
  private final AuditLog audit;

  public StatusResource(
      DataSource dataSource, Datasets datasets, DatasetStatusQuery statusQuery, AuditLog audit) {
    this.dataSource = dataSource;
    this.datasets = datasets;
    this.statusQuery = statusQuery;
    this.audit = audit;
  }

  @GET
  @Path("/datasets/{dataset}/status")
  @Operation(
      summary =
          "Partitions and chunks by state, rows hot and cold, bytes in PostgreSQL and in the"
              + " object store, the oldest unarchived partition and the last error")
  public DatasetStatus status(@PathParam("dataset") String dataset) {
    return Transactions.inSnapshot(dataSource, c -> statusQuery.status(c, datasets.find(dataset)));
  }

  @GET
  @Path("/audit")
  @Operation(summary = "Audited verifications and deletions, newest first")
  public List<AuditEntry> audit(
      @QueryParam("dataset") String dataset,
      @Parameter(description = "VERIFIED, CORRUPT, PRUNED or RESTORED") @QueryParam("action")
          String action,
      @QueryParam("chunk") String chunk,
      @Parameter(description = "From this date or instant, inclusive") @QueryParam("from")
          String from,
      @Parameter(description = "Up to this date or instant, exclusive") @QueryParam("to") String to,
      @Parameter(description = "At most this many entries, 1 to 1000; default 100")
          @QueryParam("limit")
          Integer limit) {
    if (dataset != null) {
      datasets.find(dataset);
    }
    if (action != null
        && Arrays.stream(AuditLog.Action.values()).noneMatch(a -> a.name().equals(action))) {
      throw ProblemException.badRequest(
          "action is '" + action + "'; allowed: " + Arrays.toString(AuditLog.Action.values()));
    }
    UUID chunkId = chunk == null ? null : ProblemException.parseUuid("chunk", chunk);
    Instant start = null;
    Instant end = null;
    if (from != null || to != null) {
      TimeRange range =
          TimeRange.parse(from == null ? "0001-01-01" : from, to == null ? "9999-12-31" : to);
      start = range.from();
      end = range.to();
    }
    int max = limit == null ? 100 : limit;
    if (max < 1 || max > MAX_AUDIT_ENTRIES) {
      throw ProblemException.badRequest("limit is " + max + "; allowed: 1 to " + MAX_AUDIT_ENTRIES);
    }
    Instant rangeStart = start;
    Instant rangeEnd = end;
    return Transactions.inSnapshot(
        dataSource, c -> audit.find(c, dataset, action, chunkId, rangeStart, rangeEnd, max));
  }
}
