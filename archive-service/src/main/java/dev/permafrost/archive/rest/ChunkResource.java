package dev.permafrost.archive.rest;

import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.archive.domain.Verification;
import dev.permafrost.archive.persistence.Catalog;
import dev.permafrost.archive.service.ChunkVerifier;
import dev.permafrost.archive.service.TenantPurge;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.rest.ProblemException;
import dev.permafrost.support.rest.TimeRange;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** The catalog's chunks, per dataset and one by one. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class ChunkResource {

  private final DataSource dataSource;
  private final Catalog catalog;
  private final Datasets datasets;
  private final ChunkVerifier verifier;
  private final TenantPurge tenants;

  public ChunkResource(
      DataSource dataSource,
      Catalog catalog,
      Datasets datasets,
      ChunkVerifier verifier,
      TenantPurge tenants) {
    this.dataSource = dataSource;
    this.catalog = catalog;
    this.datasets = datasets;
    this.verifier = verifier;
    this.tenants = tenants;
  }

  @GET
  @Path("/datasets/{dataset}/chunks")
  public List<Chunk> chunks(@PathParam("dataset") String dataset) {
    datasets.find(dataset);
    return Transactions.inSnapshot(dataSource, c -> catalog.byDataset(c, dataset));
  }

  @POST
  @Path("/chunks/{id}/verify")
  @Operation(
      summary =
          "Reads the chunk back now: EXPORTED, VERIFIED or CORRUPT chunks become VERIFIED or"
              + " CORRUPT; an ACTIVE chunk keeps its state and records any damage")
  public Verification verify(@PathParam("id") String id) {
    return verifier.verify(ProblemException.parseUuid("chunk id", id));
  }

  @GET
  @Path("/datasets/{dataset}/verify")
  @Operation(
      summary =
          "Reads back every chunk with objects whose partition starts in [from, to) and reports per"
              + " chunk; changes nothing")
  public RangeVerification verifyRange(
      @PathParam("dataset") String dataset,
      @Parameter(description = "First partition, e.g. 2026-10-01 or 2026-10-01T13:00:00Z")
          @QueryParam("from")
          String from,
      @Parameter(description = "End of the range, exclusive, e.g. 2026-11-01") @QueryParam("to")
          String to,
      @Parameter(description = "Only the chunks holding this tenant's rows") @QueryParam("tenant")
          String tenant) {
    datasets.find(dataset);
    TimeRange range = TimeRange.parse(from, to);
    List<Chunk> inRange =
        Transactions.inSnapshot(
            dataSource, c -> catalog.byDataset(c, dataset, range.from(), range.to()));
    List<Verification> chunks =
        verifier.check(tenant == null ? inRange : tenants.holdingTenant(dataset, tenant, inRange));
    long intact = chunks.stream().filter(Verification::intact).count();
    return new RangeVerification(
        dataset, range.from(), range.to(), intact, chunks.size() - intact, chunks);
  }

  /** The outcome of verifying a range of a dataset, per chunk. */
  public record RangeVerification(
      String dataset,
      Instant from,
      Instant to,
      long intact,
      long damaged,
      List<Verification> chunks) {}

  @GET
  @Path("/chunks/{id}")
  public Chunk chunk(@PathParam("id") String id) {
    UUID chunkId = ProblemException.parseUuid("chunk id", id);
    return Transactions.inSnapshot(dataSource, c -> catalog.find(c, chunkId))
        .orElseThrow(() -> ProblemException.notFound("Unknown chunk", "no chunk " + id));
  }
}
