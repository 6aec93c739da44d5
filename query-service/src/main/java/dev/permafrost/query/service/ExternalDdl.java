package dev.permafrost.query.service;

import dev.permafrost.format.Column;
import dev.permafrost.format.ColumnType;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.Grain;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.TableSchema;
import dev.permafrost.query.domain.ColdObject;
import dev.permafrost.query.persistence.ActiveChunks;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.config.PermafrostConfig;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.rest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * DDL with which other engines read a dataset's cold data where it lies. Athena and Trino read the
 * Hive layout ({@code year=/month=/day=/hour=} folders); Athena finds partitions by projection,
 * without a crawler. DuckDB gets a view over exactly the objects of the ACTIVE chunks.
 *
 * <p>The folders also hold objects of chunks that are not ACTIVE for a while: restored ones, and
 * ones replaced by a compaction or an erasure until their grace period ends. An engine reading the
 * folders can count such rows twice or count rows that are hot again; the DDL says so, and the
 * DuckDB view, which lists the ACTIVE objects, is exact as of the catalog state it was made from.
 */
@ApplicationScoped
public class ExternalDdl {

  /** The engines DDL is made for. */
  public enum Engine {
    ATHENA,
    TRINO,
    DUCKDB
  }

  private final DataSource dataSource;
  private final Datasets datasets;
  private final ActiveChunks chunks;
  private final TableSchemas schemas;
  private final ObjectKeys keys;
  private final String bucket;

  public ExternalDdl(
      DataSource dataSource,
      Datasets datasets,
      ActiveChunks chunks,
      TableSchemas schemas,
      ObjectKeys keys,
      PermafrostConfig config) {
    this.dataSource = dataSource;
    this.schemas = schemas;
    this.datasets = datasets;
    this.chunks = chunks;
    this.keys = keys;
    this.bucket = config.objectStore().bucket();
  }

  /**
   * @throws ProblemException 400 for an engine not in {@link Engine}
   */
  public static Engine engine(String name) {
    if (name != null) {
      for (Engine engine : Engine.values()) {
        if (engine.name().equalsIgnoreCase(name)) {
          return engine;
        }
      }
    }
    throw ProblemException.badRequest("engine is '" + name + "'; allowed: athena, trino, duckdb");
  }

  public String ddl(String datasetName, Engine engine) {
    DatasetDefinition dataset = datasets.find(datasetName);
    TableSchema schema = schemas.of(dataset);
    String location = "s3://" + bucket + "/" + keys.datasetFolder(dataset.name());
    return switch (engine) {
      case ATHENA -> athena(dataset, schema, location);
      case TRINO -> trino(dataset, schema, location);
      case DUCKDB -> duckdb(dataset);
    };
  }

  private static String athena(DatasetDefinition dataset, TableSchema schema, String location) {
    List<String> parts = partitionColumns(dataset.grain());
    StringBuilder ddl = new StringBuilder(caveat(dataset, "--"));
    ddl.append("CREATE EXTERNAL TABLE ")
        .append(dataset.name())
        .append(" (\n")
        .append(columns(schema, Engine.ATHENA, "`"))
        .append("\n)\nPARTITIONED BY (")
        .append(parts.stream().map(p -> "`" + p + "` int").collect(Collectors.joining(", ")))
        .append(")\nSTORED AS PARQUET\nLOCATION '")
        .append(location)
        .append("'\nTBLPROPERTIES (\n  'projection.enabled' = 'true',\n");
    for (String part : parts) {
      String range =
          switch (part) {
            case "year" -> "1970,2200";
            case "month" -> "1,12";
            case "day" -> "1,31";
            default -> "0,23";
          };
      ddl.append("  'projection.")
          .append(part)
          .append(".type' = 'integer',\n  'projection.")
          .append(part)
          .append(".range' = '")
          .append(range)
          .append("',\n");
      if (!part.equals("year")) {
        ddl.append("  'projection.").append(part).append(".digits' = '2',\n");
      }
    }
    ddl.append("  'storage.location.template' = '")
        .append(location)
        .append(parts.stream().map(p -> p + "=${" + p + "}").collect(Collectors.joining("/")))
        .append("/'\n);\n");
    return ddl.toString();
  }

  private static String trino(DatasetDefinition dataset, TableSchema schema, String location) {
    List<String> parts = partitionColumns(dataset.grain());
    return caveat(dataset, "--")
        + "CREATE TABLE hive.permafrost."
        + dataset.name()
        + " (\n"
        + columns(schema, Engine.TRINO, "\"")
        + ",\n"
        + parts.stream().map(p -> "  \"" + p + "\" integer").collect(Collectors.joining(",\n"))
        + "\n)\nWITH (\n  format = 'PARQUET',\n  external_location = '"
        + location
        + "',\n  partitioned_by = ARRAY["
        + parts.stream().map(p -> "'" + p + "'").collect(Collectors.joining(", "))
        + "]\n);\n-- Registers the partitions there are now; run it again after exports.\n"
        + "CALL hive.system.sync_partition_metadata('permafrost', '"
        + dataset.name()
        + "', 'ADD');\n";
  }

  private String duckdb(DatasetDefinition dataset) {
    List<ColdObject> objects =
        Transactions.inSnapshot(dataSource, c -> chunks.active(c, dataset.name()));
    if (objects.isEmpty()) {
      // DuckDB refuses read_parquet of no file, and a view needs its columns from somewhere.
      return "-- No chunk of "
          + dataset.name()
          + " is ACTIVE yet: there is nothing cold to read; ask again once one is.\n";
    }
    String files =
        objects.stream()
            .map(o -> "  's3://" + bucket + "/" + o.key().replace("'", "''") + "'")
            .collect(Collectors.joining(",\n", "[\n", "\n]"));
    return "-- The objects of the ACTIVE chunks of "
        + dataset.name()
        + " as of "
        + Instant.now()
        + ": exact for that catalog state;\n"
        + "-- make it again after archives, restores and erasures. Needs the httpfs extension and\n"
        + "-- an S3 secret (CREATE SECRET (TYPE S3, ...)) for the store.\n"
        + "CREATE OR REPLACE VIEW "
        + dataset.name()
        + " AS SELECT * FROM read_parquet("
        + files
        + ", hive_partitioning = false);\n";
  }

  private static String caveat(DatasetDefinition dataset, String comment) {
    return comment
        + " Cold rows of "
        + dataset.name()
        + " in the Hive layout. The folders also hold objects of chunks that are not ACTIVE\n"
        + comment
        + " for a while (restored, or replaced by a compaction or an erasure until their grace\n"
        + comment
        + " period ends), which this table reads too: for answers exact across both tiers, ask the\n"
        + comment
        + " query-service, or use the DuckDB view made from the catalog (engine=duckdb).\n"
        + (dataset.layout().splitPerTenant()
            ? comment + " Chunks are split per tenant: their files sit in tenant=<id> folders.\n"
            : "");
  }

  private static List<String> partitionColumns(Grain grain) {
    return switch (grain) {
      case MONTH -> List.of("year", "month");
      case DAY -> List.of("year", "month", "day");
      case HOUR -> List.of("year", "month", "day", "hour");
    };
  }

  private static String columns(TableSchema schema, Engine engine, String quote) {
    return schema.columns().stream()
        .map(c -> "  " + quote + c.name() + quote + " " + type(c, engine))
        .collect(Collectors.joining(",\n"));
  }

  /** The engine's type for how the column is stored in the chunks' Parquet files. */
  static String type(Column column, Engine engine) {
    boolean athena = engine == Engine.ATHENA;
    if (column.type() == ColumnType.ARRAY) {
      String element = scalar(column.elementType(), athena);
      return athena ? "array<" + element + ">" : "array(" + element + ")";
    }
    if (column.isDecimal()) {
      return "decimal(" + column.precision() + ", " + column.scale() + ")";
    }
    return scalar(column.type(), athena);
  }

  private static String scalar(ColumnType type, boolean athena) {
    String name =
        switch (type) {
          case SMALLINT -> "smallint";
          case INTEGER -> athena ? "int" : "integer";
          case BIGINT, TIME -> "bigint"; // time: microseconds since midnight
          case REAL -> athena ? "float" : "real";
          case DOUBLE -> "double";
          case BOOLEAN -> "boolean";
          case NUMERIC, TEXT, JSONB, INTERVAL -> athena ? "string" : "varchar";
          case BYTEA, GEOMETRY, UUID -> athena ? "binary" : "varbinary"; // geometry: WKB
          case DATE -> "date";
          case TIMESTAMP, TIMESTAMPTZ -> athena ? "timestamp" : "timestamp(6)"; // UTC
          case ARRAY -> throw new IllegalArgumentException("arrays of arrays are not stored");
        };
    return name.toLowerCase(Locale.ROOT);
  }
}
