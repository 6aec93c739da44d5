package dev.permafrost.archive.rest;

import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.archive.persistence.Catalog;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.rest.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/** The catalog's chunks, per dataset and one by one. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class ChunkResource {

  private final DataSource dataSource;
  private final Catalog catalog;
  private final Datasets datasets;

  public ChunkResource(DataSource dataSource, Catalog catalog, Datasets datasets) {
    this.dataSource = dataSource;
    this.catalog = catalog;
    this.datasets = datasets;
  }

  @GET
  @Path("/datasets/{dataset}/chunks")
  public List<Chunk> chunks(@PathParam("dataset") String dataset) {
    datasets.find(dataset);
    return Transactions.inSnapshot(dataSource, c -> catalog.byDataset(c, dataset));
  }

  @GET
  @Path("/chunks/{id}")
  public Chunk chunk(@PathParam("id") String id) {
    UUID chunkId = ProblemException.parseUuid("chunk id", id);
    return Transactions.inSnapshot(dataSource, c -> catalog.find(c, chunkId))
        .orElseThrow(() -> ProblemException.notFound("Unknown chunk", "no chunk " + id));
  }
}
