package dev.permafrost.archive.persistence;

import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.RowDigest;
import dev.permafrost.format.TableSchema;
import dev.permafrost.format.TimeBounds;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;

/** The hot rows of a dataset's table that a chunk holds. */
@ApplicationScoped
public class HotRows {

  private static final int FETCH_ROWS = 10_000;

  /** How many rows a delete removed, and their digest. */
  public record Deleted(long rows, String rowDigest) {}

  /**
   * Deletes, inside the caller's transaction, the rows of the chunk's partition whose primary key
   * is listed in {@code keysFile}, and returns count and digest of exactly the deleted rows. Rows
   * that arrived after the export are not listed and stay.
   */
  public Deleted deleteChunkRows(
      Connection transaction,
      DatasetDefinition dataset,
      TableSchema schema,
      Chunk chunk,
      Path keysFile)
      throws SQLException, IOException {
    String key = DatasetDefinition.quote(dataset.primaryKey());
    String time = DatasetDefinition.quote(dataset.timeColumn());
    try (Statement statement = transaction.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS pg_temp.prune_keys");
      statement.execute(
          "CREATE TEMP TABLE prune_keys ON COMMIT DROP AS SELECT "
              + key
              + " FROM "
              + dataset.table()
              + " WITH NO DATA");
    }
    try (Reader keys = Files.newBufferedReader(keysFile, StandardCharsets.UTF_8)) {
      transaction
          .unwrap(PGConnection.class)
          .getCopyAPI()
          .copyIn("COPY prune_keys FROM STDIN", keys);
    }
    try (Statement statement = transaction.createStatement()) {
      statement.execute("ANALYZE pg_temp.prune_keys");
    }
    RowDigest digest = new RowDigest(schema);
    int timeIndex = schema.indexOf(dataset.timeColumn());
    try (PreparedStatement delete =
        transaction.prepareStatement(
            "DELETE FROM "
                + dataset.table()
                + " t USING prune_keys k WHERE t."
                + key
                + " = k."
                + key
                + " AND t."
                + time
                + " >= ? AND t."
                + time
                + " < ? RETURNING "
                + schema.selectList("t"))) {
      TimeBounds.bind(delete, 1, schema.column(timeIndex).type(), chunk.partitionStart());
      TimeBounds.bind(delete, 2, schema.column(timeIndex).type(), chunk.partitionEnd());
      try (ResultSet rs = delete.executeQuery()) {
        while (rs.next()) {
          digest.add(PgTables.readRow(rs, schema));
        }
      }
    }
    return new Deleted(digest.count(), digest.hex());
  }

  /** Count and digest of the hot rows of the chunk's partition, as the transaction sees them. */
  public RowDigest digestPartition(
      Connection transaction, DatasetDefinition dataset, TableSchema schema, Chunk chunk)
      throws SQLException {
    String time = DatasetDefinition.quote(dataset.timeColumn());
    RowDigest digest = new RowDigest(schema);
    int timeIndex = schema.indexOf(dataset.timeColumn());
    try (PreparedStatement select =
        transaction.prepareStatement(
            "SELECT "
                + schema.selectList()
                + " FROM "
                + dataset.table()
                + " WHERE "
                + time
                + " >= ? AND "
                + time
                + " < ?")) {
      select.setFetchSize(FETCH_ROWS); // a cursor: the partition never sits in memory whole
      TimeBounds.bind(select, 1, schema.column(timeIndex).type(), chunk.partitionStart());
      TimeBounds.bind(select, 2, schema.column(timeIndex).type(), chunk.partitionEnd());
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          digest.add(PgTables.readRow(rs, schema));
        }
      }
    }
    return digest;
  }

  /** The COPY statement that loads canonical rows, in COPY text format, into the table. */
  public static String copyInto(DatasetDefinition dataset, TableSchema schema) {
    return "COPY "
        + dataset.table()
        + " ("
        + schema.columnNames().stream()
            .map(DatasetDefinition::quote)
            .collect(java.util.stream.Collectors.joining(", "))
        + ") FROM STDIN";
  }
}
