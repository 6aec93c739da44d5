package dev.permafrost.exporter.rest;

import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.support.config.Datasets;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Collection;

/** The configured datasets. */
@Path("/api/v1/datasets")
@Produces(MediaType.APPLICATION_JSON)
public class DatasetResource {

  private final Datasets datasets;

  public DatasetResource(Datasets datasets) {
    this.datasets = datasets;
  }

  @GET
  public Collection<DatasetDefinition> list() {
    return datasets.all();
  }
}
