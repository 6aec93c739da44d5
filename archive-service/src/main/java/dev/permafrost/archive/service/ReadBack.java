package dev.permafrost.archive.service;

import dev.permafrost.format.TableSchema;
import java.util.List;

/**
 * What reading a chunk back from the object store found.
 *
 * @param schema the columns the manifest declares
 * @param problems every difference from the catalog; empty when the chunk is intact
 */
record ReadBack(TableSchema schema, long rows, String rowDigest, List<String> problems) {

  boolean intact() {
    return problems.isEmpty();
  }
}
