package dev.permafrost.format;

import java.time.Instant;
import java.util.UUID;

/**
 * The object key scheme. Keys are a pure function of the chunk, so a retried export writes the same
 * keys, and the layout is Hive-compatible for Athena, Trino, Spark and DuckDB:
 *
 * <pre>
 * PREFIX/DATASET/year=YYYY/month=MM/day=DD[/hour=HH][/tenant=T]/chunk-CHUNKID-N.parquet
 * PREFIX/_manifests/DATASET/CHUNKID.json
 * </pre>
 */
public record ObjectKeys(String prefix) {

  public ObjectKeys {
    prefix = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
  }

  /**
   * The key of data file {@code fileNumber} (from 1) of a chunk.
   *
   * @param tenant the tenant directory when the chunk is split per tenant, else null
   */
  public String dataKey(
      String dataset,
      Grain grain,
      Instant partitionStart,
      String tenant,
      UUID chunkId,
      int fileNumber) {
    StringBuilder key =
        new StringBuilder(withPrefix(dataset)).append('/').append(grain.hivePath(partitionStart));
    if (tenant != null) {
      key.append("/tenant=").append(hiveValue(tenant));
    }
    return key.append("/chunk-")
        .append(chunkId)
        .append('-')
        .append(fileNumber)
        .append(".parquet")
        .toString();
  }

  public String manifestKey(String dataset, UUID chunkId) {
    return withPrefix("_manifests/" + dataset + "/" + chunkId + ".json");
  }

  /**
   * A partition value as Hive writes it: characters other than letters, digits, {@code .}, {@code
   * _} and {@code -} percent-encoded as UTF-8, so that any tenant name is one path segment.
   */
  static String hiveValue(String value) {
    StringBuilder encoded = new StringBuilder();
    for (byte b : value.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '.'
          || c == '_'
          || c == '-') {
        encoded.append(c);
      } else {
        encoded.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return encoded.toString();
  }

  /** The folder of one partition's data files, tenant directories included. */
  public String partitionFolder(String dataset, Grain grain, Instant partitionStart) {
    return withPrefix(dataset) + "/" + grain.hivePath(partitionStart) + "/";
  }

  /** The dataset whose folder (or manifest folder) holds {@code key}, for audit entries. */
  public String datasetOf(String key) {
    String path = prefix.isEmpty() ? key : key.substring(prefix.length() + 1);
    String[] parts = path.split("/");
    return parts[0].equals("_manifests") && parts.length > 1 ? parts[1] : parts[0];
  }

  /** The folder that holds every data file of {@code dataset}. */
  public String datasetFolder(String dataset) {
    return withPrefix(dataset) + "/";
  }

  private String withPrefix(String path) {
    return prefix.isEmpty() ? path : prefix + "/" + path;
  }
}
