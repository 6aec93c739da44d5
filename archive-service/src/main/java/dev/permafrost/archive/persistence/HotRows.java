package dev.permafrost.archive.persistence;

import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.RowDigest;
import dev.permafrost.format.TableSchema;
import dev.permafrost.format.TimeBounds;
import dev.permafrost.support.rest.ProblemException;
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
import java.util.UUID;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.PGStatement;

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
    stageKeys(transaction, dataset, keysFile);
    String key = DatasetDefinition.quote(dataset.primaryKey());
    return deleted(
        digestOfReturned(
            transaction,
            dataset,
            schema,
            chunk,
            "DELETE FROM "
                + dataset.table()
                + " t USING prune_keys k WHERE t."
                + key
                + " = k."
                + key
                + " AND "
                + inPartition(dataset, "t")
                + " RETURNING "
                + schema.selectList("t")));
  }

  /**
   * Offloads, inside the caller's transaction, the listed rows of the chunk's partition: their
   * offloaded columns become NULL and their {@link DatasetDefinition#ARCHIVE_POINTER_COLUMN} names
   * the chunk. Returns count and digest of the rows as they were before, which must equal the
   * chunk. A row changed by another transaction since this one's snapshot is left alone, so that
   * the counts differ and the prune is refused rather than a newer payload lost.
   */
  public Deleted offloadChunkRows(
      Connection transaction,
      DatasetDefinition dataset,
      TableSchema schema,
      Chunk chunk,
      Path keysFile)
      throws SQLException, IOException {
    stageKeys(transaction, dataset, keysFile);
    String key = DatasetDefinition.quote(dataset.primaryKey());
    String pointer = DatasetDefinition.quote(DatasetDefinition.ARCHIVE_POINTER_COLUMN);
    String nulled =
        dataset.offloadColumns().stream()
            .map(c -> DatasetDefinition.quote(c) + " = NULL")
            .collect(Collectors.joining(", "));
    String returned =
        schema.columnNames().stream()
            .map(c -> "o." + DatasetDefinition.quote(c))
            .collect(Collectors.joining(", "));
    return deleted(
        digestOfReturned(
            transaction,
            dataset,
            schema,
            chunk,
            "UPDATE "
                + dataset.table()
                + " t SET "
                + nulled
                + ", "
                + pointer
                + " = '"
                + chunk.chunkId()
                + "'::uuid FROM (SELECT "
                + schema.selectList("s")
                + ", s.xmin AS pf_version FROM "
                + dataset.table()
                + " s JOIN prune_keys k ON s."
                + key
                + " = k."
                + key
                + " WHERE "
                + inPartition(dataset, "s")
                + " AND s."
                + pointer
                + " IS NULL) o WHERE t."
                + key
                + " = o."
                + key
                + " AND t.xmin = o.pf_version RETURNING "
                + returned));
  }

  private static Deleted deleted(RowDigest digest) {
    return new Deleted(digest.count(), digest.hex());
  }

  /** Copies the chunk's primary keys into a temporary table that ends with the transaction. */
  private static void stageKeys(Connection transaction, DatasetDefinition dataset, Path keysFile)
      throws SQLException, IOException {
    String key = DatasetDefinition.quote(dataset.primaryKey());
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
  }

  /** Runs a statement bound to the chunk's partition and digests the rows it returns. */
  private static RowDigest digestOfReturned(
      Connection transaction,
      DatasetDefinition dataset,
      TableSchema schema,
      Chunk chunk,
      String sql)
      throws SQLException {
    RowDigest digest = new RowDigest(schema);
    int timeIndex = schema.indexOf(dataset.timeColumn());
    try (PreparedStatement statement = transaction.prepareStatement(sql)) {
      statement.setFetchSize(FETCH_ROWS); // returned rows come in batches, not all at once
      // Binary transfer from the first execution: no text parsing of every number and date.
      statement.unwrap(PGStatement.class).setPrepareThreshold(-1);
      TimeBounds.bind(statement, 1, schema.column(timeIndex).type(), chunk.partitionStart());
      TimeBounds.bind(statement, 2, schema.column(timeIndex).type(), chunk.partitionEnd());
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          digest.add(PgTables.readRow(rs, schema));
        }
      }
    }
    return digest;
  }

  /** The half-open time condition of a partition, with two parameters for its bounds. */
  private static String inPartition(DatasetDefinition dataset, String alias) {
    String time = alias + "." + DatasetDefinition.quote(dataset.timeColumn());
    return time + " >= ? AND " + time + " < ?";
  }

  /** Count and digest of the hot rows of the chunk's partition, as the transaction sees them. */
  public RowDigest digestPartition(
      Connection transaction, DatasetDefinition dataset, TableSchema schema, Chunk chunk)
      throws SQLException {
    return digestPartition(transaction, dataset, schema, chunk, "");
  }

  /** The same, of the partition's rows {@code t} that {@code join} keeps. */
  private static RowDigest digestPartition(
      Connection transaction,
      DatasetDefinition dataset,
      TableSchema schema,
      Chunk chunk,
      String join)
      throws SQLException {
    return digestOfReturned(
        transaction,
        dataset,
        schema,
        chunk,
        "SELECT "
            + schema.selectList("t")
            + " FROM "
            + dataset.table()
            + " t"
            + join
            + " WHERE "
            + inPartition(dataset, "t"));
  }

  /**
   * Creates, for the restore of an offload chunk, a temporary table shaped like the dataset's table
   * that ends with the transaction.
   *
   * @return the COPY statement that fills it
   */
  public String stageOffloadedRows(
      Connection transaction, DatasetDefinition dataset, TableSchema schema) throws SQLException {
    try (Statement statement = transaction.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS pg_temp.restored_rows");
      statement.execute(
          "CREATE TEMP TABLE restored_rows ON COMMIT DROP AS SELECT * FROM "
              + dataset.table()
              + " WITH NO DATA");
    }
    return copyStatement("pg_temp.restored_rows", schema);
  }

  /**
   * Puts the staged payloads back into the rows that point at the chunk and clears their pointer.
   *
   * @return count and digest of those rows as they are now, whole
   */
  public RowDigest putBackOffloaded(
      Connection transaction, DatasetDefinition dataset, TableSchema schema, Chunk chunk)
      throws SQLException {
    String key = DatasetDefinition.quote(dataset.primaryKey());
    String pointer = DatasetDefinition.quote(DatasetDefinition.ARCHIVE_POINTER_COLUMN);
    String restored =
        dataset.offloadColumns().stream()
            .map(DatasetDefinition::quote)
            .map(c -> c + " = r." + c)
            .collect(Collectors.joining(", "));
    try (PreparedStatement update =
        transaction.prepareStatement(
            "UPDATE "
                + dataset.table()
                + " t SET "
                + restored
                + ", "
                + pointer
                + " = NULL FROM pg_temp.restored_rows r WHERE t."
                + key
                + " = r."
                + key
                + " AND t."
                + pointer
                + " = ?"
                + dataset.offloadColumns().stream()
                    .map(c -> " AND t." + DatasetDefinition.quote(c) + " IS NULL")
                    .collect(Collectors.joining()))) {
      update.setObject(1, chunk.chunkId());
      // A row given a new payload since it was offloaded keeps it; the counts then differ below.
      update.executeUpdate();
    }
    return digestPartition(
        transaction,
        dataset,
        schema,
        chunk,
        " JOIN pg_temp.restored_rows r ON t." + key + " = r." + key);
  }

  /**
   * Points the offloaded rows of chunk {@code from} at {@code to}, which holds their payloads now
   * (a chunk rewritten without an erased tenant).
   */
  public void repoint(Connection transaction, DatasetDefinition dataset, UUID from, UUID to)
      throws SQLException {
    String pointer = DatasetDefinition.quote(DatasetDefinition.ARCHIVE_POINTER_COLUMN);
    try (PreparedStatement update =
        transaction.prepareStatement(
            "UPDATE " + dataset.table() + " SET " + pointer + " = ? WHERE " + pointer + " = ?")) {
      update.setObject(1, to);
      update.setObject(2, from);
      update.executeUpdate();
    }
  }

  /**
   * The tenant as the text of a value of the dataset's tenant column (a uuid in lower case, a
   * number without leading zeros), so that hot rows, tombstones and chunk rows are matched alike.
   *
   * @throws ProblemException 400 if it is no value of that column's type
   */
  public String canonicalTenant(Connection c, DatasetDefinition dataset, String tenant)
      throws SQLException {
    String column = dataset.tenantColumn().orElseThrow();
    String type;
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                + " WHERE attrelid = to_regclass(?) AND attname = ? AND NOT attisdropped")) {
      select.setString(1, dataset.table());
      select.setString(2, column);
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException(
              "table " + dataset.table() + " has no tenant column " + column);
        }
        type = rs.getString(1);
      }
    }
    try (PreparedStatement cast = c.prepareStatement("SELECT CAST(? AS " + type + ")::text")) {
      cast.setString(1, tenant);
      try (ResultSet rs = cast.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    } catch (SQLException e) {
      if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
        throw ProblemException.badRequest(
            "tenant '"
                + tenant
                + "' is not a value of "
                + dataset.name()
                + "'s tenant column "
                + column
                + "; allowed: a value of type "
                + type);
      }
      throw e;
    }
  }

  /** The COPY statement that loads canonical rows, in COPY text format, into the table. */
  public static String copyInto(DatasetDefinition dataset, TableSchema schema) {
    return copyStatement(dataset.table(), schema);
  }

  private static String copyStatement(String table, TableSchema schema) {
    return "COPY "
        + table
        + " ("
        + schema.columnNames().stream()
            .map(DatasetDefinition::quote)
            .collect(Collectors.joining(", "))
        + ") FROM STDIN";
  }
}
