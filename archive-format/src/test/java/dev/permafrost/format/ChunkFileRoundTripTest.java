package dev.permafrost.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkFileRoundTripTest {

  private static final TableSchema EVERY_TYPE =
      new TableSchema(
          List.of(
              new Column("s", ColumnType.SMALLINT),
              new Column("i", ColumnType.INTEGER),
              new Column("l", ColumnType.BIGINT),
              new Column("d", ColumnType.DOUBLE),
              new Column("b", ColumnType.BOOLEAN),
              new Column("t", ColumnType.TEXT),
              new Column("j", ColumnType.JSONB),
              new Column("raw", ColumnType.BYTEA),
              new Column("day", ColumnType.DATE),
              new Column("local", ColumnType.TIMESTAMP),
              new Column("at", ColumnType.TIMESTAMPTZ)));

  @TempDir Path dir;

  @Test
  void everyTypeAndNullComesBackEqualWithTheSameDigest() throws Exception {
    List<Object[]> rows =
        List.of(
            new Object[] {
              (short) -7,
              Integer.MIN_VALUE,
              Long.MAX_VALUE,
              Double.NaN,
              true,
              "emoji 😀, e\u0301, \u05e9\u05dc\u05d5\u05dd",
              "{\"a\": [1, 2]}",
              new byte[] {0, -1, 42},
              LocalDate.of(1999, 12, 31),
              LocalDateTime.of(2026, 11, 20, 23, 59, 59, 999_999_000),
              Instant.parse("2026-11-20T00:00:00.000001Z")
            },
            new Object[] {null, null, null, null, null, "", null, null, null, null, null},
            new Object[] {
              (short) 1,
              0,
              -1L,
              Double.NEGATIVE_INFINITY,
              false,
              null,
              "null",
              new byte[0],
              LocalDate.of(2026, 11, 21),
              LocalDateTime.of(1970, 1, 1, 0, 0),
              Instant.parse("1969-12-31T23:59:59.5Z")
            });
    Path file = dir.resolve("every-type.parquet");
    String written;
    try (ChunkFileWriter writer =
        ChunkFileWriter.create(
            file, EVERY_TYPE, CompressionCodecName.ZSTD, ChunkFileWriter.DEFAULT_ROW_GROUP_BYTES)) {
      for (Object[] row : rows) {
        writer.write(row);
      }
      written = writer.digest().hex();
    }

    List<Object[]> read = new ArrayList<>();
    RowDigest readDigest = new RowDigest(EVERY_TYPE);
    long count =
        ChunkFileReader.read(
            file,
            EVERY_TYPE,
            row -> {
              read.add(row);
              readDigest.add(row);
            });

    assertThat(count).isEqualTo(3);
    assertThat(read).hasSameSizeAs(rows);
    for (int i = 0; i < rows.size(); i++) {
      assertThat(read.get(i)).as("row %d", i).containsExactly(rows.get(i));
    }
    assertThat(readDigest.hex()).isEqualTo(written);
  }

  @Test
  void duckDbReadsTheFileWithTheSameValues() throws Exception {
    TableSchema schema =
        new TableSchema(
            List.of(
                new Column("id", ColumnType.BIGINT),
                new Column("path", ColumnType.TEXT),
                new Column("date", ColumnType.DATE)));
    Path file = dir.resolve("pageviews.parquet");
    try (ChunkFileWriter writer =
        ChunkFileWriter.create(file, schema, CompressionCodecName.ZSTD, 1024 * 1024)) {
      for (long id = 1; id <= 1000; id++) {
        writer.write(new Object[] {id, "/p" + (id % 10), LocalDate.of(2026, 11, 20)});
      }
    }
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        ResultSet rs =
            duck.createStatement()
                .executeQuery(
                    "SELECT count(*), sum(id), count(DISTINCT path), min(date) FROM read_parquet('"
                        + file
                        + "')")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(1000);
      assertThat(rs.getLong(2)).isEqualTo(500_500);
      assertThat(rs.getLong(3)).isEqualTo(10);
      assertThat(rs.getObject(4, LocalDate.class)).isEqualTo(LocalDate.of(2026, 11, 20));
    }
  }

  @Test
  void refusesToReadAFileAsAnotherSchema() throws Exception {
    TableSchema one = new TableSchema(List.of(new Column("id", ColumnType.BIGINT)));
    Path file = dir.resolve("one.parquet");
    try (ChunkFileWriter writer =
        ChunkFileWriter.create(file, one, CompressionCodecName.ZSTD, 1024 * 1024)) {
      writer.write(new Object[] {1L});
    }
    TableSchema other = new TableSchema(List.of(new Column("id", ColumnType.INTEGER)));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ChunkFileReader.read(file, other, row -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("has schema");
  }
}
