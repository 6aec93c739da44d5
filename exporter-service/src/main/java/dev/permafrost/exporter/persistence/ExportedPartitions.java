package dev.permafrost.exporter.persistence;

import dev.permafrost.exporter.domain.ExportedChunk;
import dev.permafrost.format.Manifest;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The exporter's record of which chunks it has written. */
@ApplicationScoped
public class ExportedPartitions {

  /** The chunks written for a partition so far, by sequence. */
  public List<ExportedChunk> chunks(Connection connection, String dataset, String partition)
      throws SQLException {
    List<ExportedChunk> chunks = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT sequence, chunk_id, row_count, bytes, row_digest"
                + " FROM exporter.exported_partition WHERE dataset = ? AND partition = ?"
                + " ORDER BY sequence")) {
      select.setString(1, dataset);
      select.setString(2, partition);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          chunks.add(
              new ExportedChunk(
                  dataset,
                  partition,
                  rs.getInt(1),
                  rs.getObject(2, UUID.class),
                  rs.getLong(3),
                  rs.getLong(4),
                  rs.getString(5),
                  true));
        }
      }
    }
    return chunks;
  }

  /**
   * Records a written chunk.
   *
   * @return false if another worker recorded the same chunk first
   */
  public boolean record(Connection transaction, Manifest manifest, String manifestKey)
      throws SQLException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            """
            INSERT INTO exporter.exported_partition
                (dataset, partition, sequence, partition_start, chunk_id, row_count, row_digest,
                 bytes, manifest_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """)) {
      insert.setString(1, manifest.dataset());
      insert.setString(2, manifest.partition());
      insert.setInt(3, manifest.sequence());
      insert.setTimestamp(4, Timestamp.from(manifest.partitionStart()));
      insert.setObject(5, manifest.chunkId());
      insert.setLong(6, manifest.rowCount());
      insert.setString(7, manifest.rowDigest());
      insert.setLong(8, manifest.objects().stream().mapToLong(Manifest.StoredObject::bytes).sum());
      insert.setString(9, manifestKey);
      return insert.executeUpdate() == 1;
    }
  }
}
