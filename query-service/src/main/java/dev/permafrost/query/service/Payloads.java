package dev.permafrost.query.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.permafrost.format.Column;
import dev.permafrost.format.ColumnType;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.LifecycleMode;
import dev.permafrost.format.TableSchema;
import dev.permafrost.query.domain.ColdObject;
import dev.permafrost.query.persistence.ActiveChunks;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.rest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The offloaded columns of one row of an {@code offload} dataset, loaded lazily: from PostgreSQL
 * while the row still holds them, else from the chunk its archive pointer names. A chunk never
 * changes, so what was read from one is kept for the next request.
 */
@ApplicationScoped
public class Payloads {

  private static final int CACHED_PAYLOADS = 10_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One row's offloaded columns, and where they were read. */
  public record Payload(
      String dataset, Object id, String tier, UUID chunkId, Map<String, Object> columns) {}

  private record ColdKey(UUID chunkId, String id) {}

  private final DataSource dataSource;
  private final Datasets datasets;
  private final ActiveChunks chunks;
  private final TableSchemas schemas;
  private final ObjectCache cache;
  private final ColdEngine engine;
  private final Map<ColdKey, Map<String, Object>> coldPayloads =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ColdKey, Map<String, Object>> eldest) {
          return size() > CACHED_PAYLOADS;
        }
      };

  public Payloads(
      DataSource dataSource,
      Datasets datasets,
      ActiveChunks chunks,
      TableSchemas schemas,
      ObjectCache cache,
      ColdEngine engine) {
    this.dataSource = dataSource;
    this.schemas = schemas;
    this.datasets = datasets;
    this.chunks = chunks;
    this.cache = cache;
    this.engine = engine;
  }

  /**
   * @throws ProblemException 400 for a dataset without offloaded columns or a bad id, 404 for no
   *     such row
   * @throws ColdReadException if the chunk holding the payload cannot be read
   */
  public Payload payload(String datasetName, String idText) {
    DatasetDefinition dataset = datasets.find(datasetName);
    if (dataset.mode() != LifecycleMode.OFFLOAD) {
      throw ProblemException.badRequest(
          "dataset "
              + dataset.name()
              + " moves whole rows and keeps no offloaded columns; allowed: "
              + datasets.all().stream()
                  .filter(d -> d.mode() == LifecycleMode.OFFLOAD)
                  .map(DatasetDefinition::name)
                  .sorted()
                  .toList());
    }
    Located located = Transactions.inSnapshot(dataSource, c -> locate(c, dataset, idText));
    if (located.chunkId() == null) {
      return new Payload(dataset.name(), located.id(), "hot", null, located.hotColumns());
    }
    ColdKey key = new ColdKey(located.chunkId(), String.valueOf(located.id()));
    Map<String, Object> columns;
    synchronized (coldPayloads) {
      columns = coldPayloads.get(key);
    }
    if (columns == null) {
      columns = readCold(dataset, located);
      synchronized (coldPayloads) {
        coldPayloads.put(key, columns);
      }
    }
    return new Payload(dataset.name(), located.id(), "cold", located.chunkId(), columns);
  }

  /** The row as one snapshot sees it: its payload if hot, else its chunk's objects. */
  private record Located(
      Object id,
      TableSchema schema,
      UUID chunkId,
      Map<String, Object> hotColumns,
      List<ColdObject> objects) {}

  private Located locate(Connection c, DatasetDefinition dataset, String idText)
      throws SQLException {
    TableSchema schema = schemas.of(dataset);
    Column key = schema.column(schema.indexOf(dataset.primaryKey()));
    Object id = QuestionParser.value(key, idText);
    String pointer = DatasetDefinition.quote(DatasetDefinition.ARCHIVE_POINTER_COLUMN);
    String offloaded =
        dataset.offloadColumns().stream()
            .map(name -> DatasetDefinition.quote(name) + "::text")
            .collect(Collectors.joining(", "));
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT "
                + pointer
                + ", "
                + offloaded
                + " FROM "
                + dataset.table()
                + " WHERE "
                + DatasetDefinition.quote(dataset.primaryKey())
                + " = "
                + keyParameter(key))) {
      bind(select, id);
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next()) {
          throw ProblemException.notFound(
              "Unknown row", "dataset " + dataset.name() + " has no row " + idText);
        }
        UUID chunkId = rs.getObject(1, UUID.class);
        if (chunkId == null) {
          Map<String, Object> columns = new LinkedHashMap<>();
          for (int i = 0; i < dataset.offloadColumns().size(); i++) {
            String name = dataset.offloadColumns().get(i);
            columns.put(name, value(schema, name, rs.getString(i + 2)));
          }
          return new Located(id, schema, null, columns, List.of());
        }
        return new Located(id, schema, chunkId, null, chunks.objectsOf(c, List.of(chunkId)));
      }
    }
  }

  private Map<String, Object> readCold(DatasetDefinition dataset, Located located) {
    try (ObjectCache.Lease files = cache.lease(located.objects());
        Connection duck = engine.connect()) {
      String offloaded =
          dataset.offloadColumns().stream()
              .map(name -> "CAST(" + DatasetDefinition.quote(name) + " AS VARCHAR)")
              .collect(Collectors.joining(", "));
      try (PreparedStatement select =
          duck.prepareStatement(
              "SELECT "
                  + offloaded
                  + " FROM read_parquet("
                  + files.duckDbList()
                  + ", hive_partitioning = false) WHERE "
                  + DatasetDefinition.quote(dataset.primaryKey())
                  + " = "
                  + keyParameter(
                      located.schema().column(located.schema().indexOf(dataset.primaryKey()))))) {
        bind(select, located.id());
        try (ResultSet rs = select.executeQuery()) {
          if (!rs.next()) {
            throw new ColdReadException(
                "chunk "
                    + located.chunkId()
                    + " of "
                    + dataset.name()
                    + " has no row "
                    + located.id()
                    + " although the row points at it",
                null);
          }
          Map<String, Object> columns = new LinkedHashMap<>();
          for (int i = 0; i < dataset.offloadColumns().size(); i++) {
            String name = dataset.offloadColumns().get(i);
            columns.put(name, value(located.schema(), name, rs.getString(i + 1)));
          }
          return columns;
        }
      }
    } catch (SQLException e) {
      throw new ColdReadException(
          "chunk "
              + located.chunkId()
              + " of "
              + dataset.name()
              + " could not be read: "
              + e.getMessage(),
          e);
    }
  }

  private static String keyParameter(Column key) {
    return key.type() == ColumnType.UUID ? "CAST(? AS UUID)" : "?";
  }

  private static void bind(PreparedStatement select, Object id) throws SQLException {
    if (id instanceof Long number) {
      select.setLong(1, number);
    } else {
      select.setString(1, id.toString());
    }
  }

  /** A jsonb payload as JSON, anything else as its text. */
  private static Object value(TableSchema schema, String column, String text) {
    if (text == null || schema.column(schema.indexOf(column)).type() != ColumnType.JSONB) {
      return text;
    }
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("column " + column + " holds no JSON: " + e.getMessage(), e);
    }
  }
}
