package dev.permafrost.query;

import dev.permafrost.devstack.DevStack;
import dev.permafrost.devstack.DevStackTestResource;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.PartitionExporter;
import dev.permafrost.format.PgTables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;

/** What the query tests share: the archive's catalog, and SQL against the test database. */
final class QueryFixtures {

  private QueryFixtures() {}

  /** The catalog belongs to the archive-service; migrates it with that service's own scripts. */
  static void migrateCatalog() {
    DevStack stack = DevStackTestResource.current();
    Flyway.configure()
        .dataSource(stack.jdbcUrl(), stack.databaseUser(), stack.databasePassword())
        .schemas("archive")
        .locations(
            "classpath:db/support", "filesystem:../archive-service/src/main/resources/db/migration")
        .load()
        .migrate();
  }

  /**
   * Does what the archive-service's prune does to a day of a dataset whose time column is a date:
   * exports its rows as chunk {@code sequence}, records the chunk ACTIVE and deletes the rows, in
   * one transaction.
   */
  static Manifest archiveDay(
      ObjectStore store, ObjectKeys keys, DatasetDefinition dataset, LocalDate day, int sequence)
      throws Exception {
    try (Connection connection = connect()) {
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      Manifest manifest =
          export(
              connection,
              store,
              keys,
              dataset,
              day.atStartOfDay().toInstant(ZoneOffset.UTC),
              sequence);
      registerActiveChunk(connection, dataset.name(), manifest);
      try (PreparedStatement delete =
          connection.prepareStatement(
              "DELETE FROM "
                  + dataset.table()
                  + " WHERE "
                  + DatasetDefinition.quote(dataset.timeColumn())
                  + " = ?")) {
        delete.setObject(1, day);
        if (delete.executeUpdate() != manifest.rowCount()) {
          throw new IllegalStateException("the chunk of " + day + " does not hold its hot rows");
        }
      }
      connection.commit();
      return manifest;
    }
  }

  /**
   * Exports the partition starting at {@code start} as chunk {@code sequence}, in the caller's
   * transaction.
   */
  static Manifest export(
      Connection connection,
      ObjectStore store,
      ObjectKeys keys,
      DatasetDefinition dataset,
      Instant start,
      int sequence)
      throws Exception {
    return new PartitionExporter(store, keys, Clock.systemUTC())
        .export(
            connection, dataset, PgTables.readSchema(connection, dataset.table()), start, sequence);
  }

  /** Records an exported chunk as ACTIVE, as a prune commits it. */
  static void registerActiveChunk(Connection connection, String dataset, Manifest manifest)
      throws Exception {
    List<Object[]> objects = new ArrayList<>();
    for (Manifest.StoredObject object : manifest.objects()) {
      objects.add(new Object[] {object.key(), object.bytes(), object.sha256(), object.rows()});
    }
    registerActiveChunk(
        connection,
        dataset,
        manifest.chunkId(),
        manifest.partition(),
        manifest.partitionStart(),
        manifest.partitionEnd(),
        manifest.sequence(),
        manifest.rowCount(),
        objects);
  }

  /**
   * Records an ACTIVE chunk with the given objects, each {key, bytes, sha256, rows}; the objects
   * need not exist.
   */
  static void registerActiveChunk(
      Connection connection,
      String dataset,
      UUID chunkId,
      String partition,
      Instant start,
      Instant end,
      int sequence,
      long rows,
      List<Object[]> objects)
      throws Exception {
    try (PreparedStatement chunk =
            connection.prepareStatement(
                "INSERT INTO archive.chunk (chunk_id, dataset, partition, partition_start,"
                    + " partition_end, sequence, state, manifest_key, row_count, row_digest, bytes)"
                    + " VALUES (?, ?, ?, ?, ?, ?, 'ACTIVE', 'unused', ?, 'unused', 0)");
        PreparedStatement object =
            connection.prepareStatement(
                "INSERT INTO archive.chunk_object (chunk_id, object_no, object_key, bytes, sha256,"
                    + " row_count) VALUES (?, ?, ?, ?, ?, ?)")) {
      chunk.setObject(1, chunkId);
      chunk.setString(2, dataset);
      chunk.setString(3, partition);
      chunk.setTimestamp(4, Timestamp.from(start));
      chunk.setTimestamp(5, Timestamp.from(end));
      chunk.setInt(6, sequence);
      chunk.setLong(7, rows);
      chunk.executeUpdate();
      int number = 1;
      for (Object[] o : objects) {
        object.setObject(1, chunkId);
        object.setInt(2, number++);
        object.setString(3, (String) o[0]);
        object.setLong(4, ((Number) o[1]).longValue());
        object.setString(5, (String) o[2]);
        object.setLong(6, ((Number) o[3]).longValue());
        object.executeUpdate();
      }
    }
  }

  /** The rows of a query, whole numbers as longs. */
  static List<List<Object>> rows(String sql) throws Exception {
    List<List<Object>> rows = new ArrayList<>();
    try (Connection connection = connect();
        ResultSet rs = connection.createStatement().executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          Object value = rs.getObject(i);
          row.add(value instanceof Integer number ? Long.valueOf(number) : value);
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** The rows of a query as maps of {@code names} to values, like the service's answers. */
  static List<Map<String, Object>> maps(List<String> names, String sql) throws Exception {
    List<Map<String, Object>> maps = new ArrayList<>();
    for (List<Object> row : rows(sql)) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (int i = 0; i < names.size(); i++) {
        map.put(names.get(i), row.get(i));
      }
      maps.add(map);
    }
    return maps;
  }

  static long count(String sql) throws Exception {
    return DevStackTestResource.current().queryLong(sql);
  }

  static void execute(String sql) throws Exception {
    DevStackTestResource.current().execute(sql);
  }

  static Connection connect() throws Exception {
    return DevStackTestResource.current().connect();
  }
}
