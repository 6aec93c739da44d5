package dev.permafrost.archive.persistence;

import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.contracts.v1.ChunkObject;
import dev.permafrost.contracts.v1.PartitionReady;
import dev.permafrost.format.Manifest;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The chunk catalog. Every state change is a compare-and-set on state and lease epoch: zero rows
 * updated means another worker got there first, and the caller stops.
 */
@ApplicationScoped
public class Catalog {

  private static final String CHUNK_COLUMNS =
      "chunk_id, dataset, partition, partition_start, partition_end, sequence, state,"
          + " lease_epoch, manifest_key, row_count, row_digest, bytes, last_error, state_changed_at";

  /**
   * Records the chunk an event announces, in state EXPORTED.
   *
   * @return false if the chunk was registered before (a duplicate or replayed event)
   */
  public boolean register(Connection transaction, PartitionReady ready) throws SQLException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            """
            INSERT INTO archive.chunk (chunk_id, dataset, partition, partition_start, partition_end,
                sequence, state, manifest_key, row_count, row_digest, bytes)
            VALUES (?, ?, ?, ?, ?, ?, 'EXPORTED', ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """)) {
      insert.setObject(1, ready.chunkId());
      insert.setString(2, ready.dataset());
      insert.setString(3, ready.partition());
      insert.setTimestamp(4, Timestamp.from(ready.partitionStart()));
      insert.setTimestamp(5, Timestamp.from(ready.partitionEnd()));
      insert.setInt(6, ready.sequence());
      insert.setString(7, ready.manifestKey());
      insert.setLong(8, ready.rowCount());
      insert.setString(9, ready.rowDigest());
      insert.setLong(10, ready.objects().stream().mapToLong(ChunkObject::bytes).sum());
      if (insert.executeUpdate() == 0) {
        return false;
      }
    }
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO archive.chunk_object (chunk_id, object_no, object_key, bytes, sha256,"
                + " row_count, tenant) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      int objectNo = 1;
      for (ChunkObject object : ready.objects()) {
        insert.setObject(1, ready.chunkId());
        insert.setInt(2, objectNo++);
        insert.setString(3, object.key());
        insert.setLong(4, object.bytes());
        insert.setString(5, object.sha256());
        insert.setLong(6, object.rows());
        insert.setString(7, object.tenant());
        insert.addBatch();
      }
      insert.executeBatch();
    }
    return true;
  }

  /**
   * Records {@code replacement}, which holds what is left of {@code replaced}, in state {@code
   * state}. Objects of the replaced chunk that the replacement keeps move over to it; the others
   * stay listed under the replaced chunk. The caller has moved the replaced chunk to SUPERSEDED in
   * the same transaction.
   */
  public void insertReplacement(
      Connection transaction, Chunk replaced, Chunk replacement, ChunkState state)
      throws SQLException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            """
            INSERT INTO archive.chunk (chunk_id, dataset, partition, partition_start, partition_end,
                sequence, state, manifest_key, row_count, row_digest, bytes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)) {
      insert.setObject(1, replacement.chunkId());
      insert.setString(2, replaced.dataset());
      insert.setString(3, replaced.partition());
      insert.setTimestamp(4, Timestamp.from(replaced.partitionStart()));
      insert.setTimestamp(5, Timestamp.from(replaced.partitionEnd()));
      insert.setInt(6, replaced.sequence());
      insert.setString(7, state.name());
      insert.setString(8, replacement.manifestKey());
      insert.setLong(9, replacement.rowCount());
      insert.setString(10, replacement.rowDigest());
      insert.setLong(
          11, replacement.objects().stream().mapToLong(Manifest.StoredObject::bytes).sum());
      insert.executeUpdate();
    }
    try (PreparedStatement move =
            transaction.prepareStatement(
                "UPDATE archive.chunk_object SET chunk_id = ?, object_no = ? WHERE object_key = ?"
                    + " AND chunk_id = ?");
        PreparedStatement insert =
            transaction.prepareStatement(
                "INSERT INTO archive.chunk_object (chunk_id, object_no, object_key, bytes, sha256,"
                    + " row_count, tenant) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      int objectNo = 1;
      for (Manifest.StoredObject object : replacement.objects()) {
        move.setObject(1, replacement.chunkId());
        move.setInt(2, objectNo);
        move.setString(3, object.key());
        move.setObject(4, replaced.chunkId());
        if (move.executeUpdate() == 0) {
          insert.setObject(1, replacement.chunkId());
          insert.setInt(2, objectNo);
          insert.setString(3, object.key());
          insert.setLong(4, object.bytes());
          insert.setString(5, object.sha256());
          insert.setLong(6, object.rows());
          insert.setString(7, object.tenant());
          insert.executeUpdate();
        }
        objectNo++;
      }
    }
    markReplaced(transaction, replaced.chunkId(), replacement.chunkId());
  }

  /** The chunk that took over a SUPERSEDED chunk's rows, if any. */
  public Optional<UUID> replacedBy(Connection connection, UUID chunkId) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement("SELECT replaced_by FROM archive.chunk WHERE chunk_id = ?")) {
      select.setObject(1, chunkId);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next() ? Optional.ofNullable(rs.getObject(1, UUID.class)) : Optional.empty();
      }
    }
  }

  /** Notes which chunk took over a SUPERSEDED chunk's rows. */
  public void markReplaced(Connection transaction, UUID replaced, UUID replacement)
      throws SQLException {
    try (PreparedStatement update =
        transaction.prepareStatement(
            "UPDATE archive.chunk SET replaced_by = ? WHERE chunk_id = ?")) {
      update.setObject(1, replacement);
      update.setObject(2, replaced);
      update.executeUpdate();
    }
  }

  public Optional<Chunk> find(Connection connection, UUID chunkId) throws SQLException {
    return findWhere(connection, "chunk_id = ?", chunkId, "").stream().findFirst();
  }

  /** The chunk, its row locked until the transaction ends, so that one prune runs at a time. */
  public Optional<Chunk> lock(Connection transaction, UUID chunkId) throws SQLException {
    return findWhere(transaction, "chunk_id = ?", chunkId, " FOR UPDATE").stream().findFirst();
  }

  public List<Chunk> byDataset(Connection connection, String dataset) throws SQLException {
    return findWhere(connection, "dataset = ? ORDER BY partition_start, sequence", dataset, "");
  }

  /** The dataset's chunks whose partitions start in {@code [from, to)}, oldest first. */
  public List<Chunk> byDataset(Connection connection, String dataset, Instant from, Instant to)
      throws SQLException {
    return byDataset(connection, dataset).stream()
        .filter(c -> !c.partitionStart().isBefore(from) && c.partitionStart().isBefore(to))
        .toList();
  }

  /**
   * Chunks that have sat in EXPORTED for longer than {@code age}, and VERIFIED chunks of datasets
   * that prune, once both {@code age} and the dataset's cooling have passed.
   *
   * @param pruneCooling the cooling of each dataset whose pruning is enabled
   */
  public List<UUID> stuck(Connection connection, Duration age, Map<String, Duration> pruneCooling)
      throws SQLException {
    List<UUID> ids = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            """
            SELECT chunk_id FROM archive.chunk c
            WHERE (c.state = 'EXPORTED' AND c.state_changed_at < now() - make_interval(secs => ?))
               OR (c.state = 'VERIFIED' AND EXISTS (
                     SELECT 1 FROM unnest(?::text[], ?::float8[]) AS p (dataset, cooling)
                     WHERE p.dataset = c.dataset
                       AND c.state_changed_at < now() - make_interval(secs => greatest(?, p.cooling))))
            ORDER BY c.state_changed_at LIMIT 1000
            """)) {
      double ageSeconds = age.toMillis() / 1000.0;
      select.setDouble(1, ageSeconds);
      select.setArray(2, connection.createArrayOf("text", pruneCooling.keySet().toArray()));
      select.setArray(
          3,
          connection.createArrayOf(
              "float8", pruneCooling.values().stream().map(d -> d.toMillis() / 1000.0).toArray()));
      select.setDouble(4, ageSeconds);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getObject(1, UUID.class));
        }
      }
    }
    return ids;
  }

  /**
   * Moves the chunk from {@code from} at {@code epoch} to {@code to}, bumping the epoch.
   *
   * @param error the reason, for CORRUPT; null clears it
   * @return false if the chunk is no longer in {@code from} at {@code epoch}
   */
  public boolean transition(Connection transaction, Chunk chunk, ChunkState to, String error)
      throws SQLException {
    try (PreparedStatement update =
        transaction.prepareStatement(
            "UPDATE archive.chunk SET state = ?, lease_epoch = lease_epoch + 1, last_error = ?,"
                + " state_changed_at = now() WHERE chunk_id = ? AND state = ? AND lease_epoch = ?")) {
      update.setString(1, to.name());
      update.setString(2, error);
      update.setObject(3, chunk.chunkId());
      update.setString(4, chunk.state().name());
      update.setLong(5, chunk.leaseEpoch());
      return update.executeUpdate() == 1;
    }
  }

  /**
   * Sets the chunk's error, null to clear it, without changing its state, if the chunk is still in
   * the state and at the epoch {@code chunk} has.
   *
   * @return false if the chunk moved on
   */
  public boolean recordError(Connection transaction, Chunk chunk, String error)
      throws SQLException {
    try (PreparedStatement update =
        transaction.prepareStatement(
            "UPDATE archive.chunk SET last_error = ? WHERE chunk_id = ? AND state = ?"
                + " AND lease_epoch = ?")) {
      update.setString(1, error);
      update.setObject(2, chunk.chunkId());
      update.setString(3, chunk.state().name());
      update.setLong(4, chunk.leaseEpoch());
      return update.executeUpdate() == 1;
    }
  }

  /** Notes why the last attempt on a chunk failed, without changing its state. */
  public void recordError(Connection transaction, UUID chunkId, String error) throws SQLException {
    try (PreparedStatement update =
        transaction.prepareStatement(
            "UPDATE archive.chunk SET last_error = ? WHERE chunk_id = ?")) {
      update.setString(1, error);
      update.setObject(2, chunkId);
      update.executeUpdate();
    }
  }

  private List<Chunk> findWhere(
      Connection connection, String where, Object parameter, String suffix) throws SQLException {
    List<Chunk> chunks = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT " + CHUNK_COLUMNS + " FROM archive.chunk WHERE " + where + suffix)) {
      select.setObject(1, parameter);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          chunks.add(toChunk(rs, objects(connection, rs.getObject(1, UUID.class))));
        }
      }
    }
    return chunks;
  }

  private static List<Manifest.StoredObject> objects(Connection connection, UUID chunkId)
      throws SQLException {
    List<Manifest.StoredObject> objects = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT object_key, bytes, sha256, row_count, tenant FROM archive.chunk_object"
                + " WHERE chunk_id = ? ORDER BY object_no")) {
      select.setObject(1, chunkId);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          objects.add(
              new Manifest.StoredObject(
                  rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getString(5)));
        }
      }
    }
    return objects;
  }

  private static Chunk toChunk(ResultSet rs, List<Manifest.StoredObject> objects)
      throws SQLException {
    return new Chunk(
        rs.getObject(1, UUID.class),
        rs.getString(2),
        rs.getString(3),
        rs.getTimestamp(4).toInstant(),
        rs.getTimestamp(5).toInstant(),
        rs.getInt(6),
        ChunkState.valueOf(rs.getString(7)),
        rs.getLong(8),
        rs.getString(9),
        rs.getLong(10),
        rs.getString(11),
        rs.getLong(12),
        rs.getString(13),
        rs.getTimestamp(14).toInstant(),
        objects);
  }
}
