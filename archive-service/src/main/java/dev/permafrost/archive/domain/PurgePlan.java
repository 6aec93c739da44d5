package dev.permafrost.archive.domain;

import java.util.List;
import java.util.UUID;

/**
 * What erasing a tenant would remove, found without changing anything.
 *
 * @param datasets one plan per dataset with a tenant column (or the one asked for)
 */
public record PurgePlan(String tenant, List<DatasetPlan> datasets) {

  /**
   * One dataset's share.
   *
   * @param hotRows the tenant's rows in PostgreSQL
   * @param coldRows the tenant's rows in chunk objects
   * @param objects each object holding the tenant's rows
   */
  public record DatasetPlan(
      String dataset, long hotRows, long coldRows, List<ObjectPlan> objects) {}

  /**
   * An object holding some of the tenant's rows, or of a CORRUPT chunk, which the erasure deletes.
   *
   * @param rows the tenant's rows in it (0 for a CORRUPT chunk's object: those rows are hot)
   * @param deleted true if every row of the object is the tenant's, so the erasure deletes it; else
   *     it is rewritten without them
   */
  public record ObjectPlan(
      UUID chunkId, String partition, String key, long rows, boolean deleted) {}
}
