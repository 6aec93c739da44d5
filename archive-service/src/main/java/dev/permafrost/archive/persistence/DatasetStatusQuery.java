package dev.permafrost.archive.persistence;

import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.archive.domain.DatasetStatus;
import dev.permafrost.format.Column;
import dev.permafrost.format.ColumnType;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.TableSchema;
import dev.permafrost.format.TimeBounds;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;

/** Reads a dataset's status from the catalog and its table, in the caller's snapshot. */
@ApplicationScoped
public class DatasetStatusQuery {

  public DatasetStatus status(Connection snapshot, DatasetDefinition dataset) throws SQLException {
    Map<ChunkState, Long> partitions = new EnumMap<>(ChunkState.class);
    Map<ChunkState, Long> chunks = new EnumMap<>(ChunkState.class);
    long coldRows = 0;
    long storeBytes = 0;
    try (PreparedStatement select =
        snapshot.prepareStatement(
            "SELECT state, count(DISTINCT partition), count(*), sum(row_count), sum(bytes)"
                + " FROM archive.chunk WHERE dataset = ? GROUP BY state")) {
      select.setString(1, dataset.name());
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          ChunkState state = ChunkState.valueOf(rs.getString(1));
          partitions.put(state, rs.getLong(2));
          chunks.put(state, rs.getLong(3));
          if (state == ChunkState.ACTIVE) {
            coldRows = rs.getLong(4);
          }
          if (state != ChunkState.PURGED) {
            storeBytes += rs.getLong(5);
          }
        }
      }
    }
    long hotRows;
    long hotPartitions;
    long postgresBytes;
    Instant oldestHot;
    String time = DatasetDefinition.quote(dataset.timeColumn());
    TableSchema schema = PgTables.readSchema(snapshot, dataset.table());
    Column timeColumn = schema.column(schema.indexOf(dataset.timeColumn()));
    // The partition of a row, as the grain cuts UTC time.
    String partitionOf =
        "date_trunc('"
            + dataset.grain().name().toLowerCase()
            + "', "
            + (timeColumn.type() == ColumnType.TIMESTAMPTZ
                ? time + " AT TIME ZONE 'UTC'"
                : time + "::timestamp")
            + ")";
    try (PreparedStatement select =
        snapshot.prepareStatement(
            "SELECT count(*), min("
                + time
                + "), pg_total_relation_size(to_regclass(?)), count(DISTINCT "
                + partitionOf
                + ") FROM "
                + dataset.table())) {
      select.setString(1, dataset.table());
      try (ResultSet rs = select.executeQuery()) {
        rs.next();
        hotRows = rs.getLong(1);
        Object oldest = PgTables.readValue(rs, 2, timeColumn);
        oldestHot = oldest == null ? null : TimeBounds.toInstant(oldest);
        postgresBytes = rs.getLong(3);
        hotPartitions = rs.getLong(4);
      }
    }
    return new DatasetStatus(
        dataset.name(),
        dataset.table(),
        partitions,
        chunks,
        hotPartitions,
        hotRows,
        coldRows,
        postgresBytes,
        storeBytes,
        oldestHot == null ? null : dataset.grain().partitionName(dataset.grain().start(oldestHot)),
        lastError(snapshot, dataset.name()));
  }

  private static DatasetStatus.ChunkError lastError(Connection snapshot, String dataset)
      throws SQLException {
    try (PreparedStatement select =
        snapshot.prepareStatement(
            "SELECT chunk_id, partition, state, last_error FROM archive.chunk"
                + " WHERE dataset = ? AND last_error IS NOT NULL"
                + " ORDER BY state_changed_at DESC LIMIT 1")) {
      select.setString(1, dataset);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next()
            ? new DatasetStatus.ChunkError(
                rs.getObject(1, UUID.class),
                rs.getString(2),
                ChunkState.valueOf(rs.getString(3)),
                rs.getString(4))
            : null;
      }
    }
  }
}
