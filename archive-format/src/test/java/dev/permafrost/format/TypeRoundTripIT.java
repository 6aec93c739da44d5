package dev.permafrost.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.permafrost.devstack.DevStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGStatement;

/**
 * Every supported PostgreSQL type goes from real PostgreSQL into a chunk file and back with the
 * same values and the same row digest; what cannot survive exactly is refused, naming the column.
 */
class TypeRoundTripIT {

  private static DevStack stack;
  private static ObjectStore store;

  @TempDir Path dir;

  @BeforeAll
  static void createTable() throws Exception {
    stack = DevStack.start(Path.of("target", "devstack-types"));
    store = new ObjectStore(stack.s3Client(), DevStack.BUCKET);
    try (Connection connection = stack.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
      statement.execute(
          """
          CREATE TABLE every_type (
              id bigint PRIMARY KEY, s smallint, i integer, r real, d double precision,
              n numeric, n2 numeric(12, 3), b boolean, t text, v varchar(20), c char(3),
              j jsonb, raw bytea, day date, local timestamp, at timestamptz, tm time,
              span interval, u uuid, ints integer[], texts text[], reals real[],
              m mood, ip inet, net cidr)
          """);
      statement.execute(
          """
          INSERT INTO every_type VALUES
            (1, -32768, 2147483647, 1.5, -0.0, 123456789012345678901234567890.123456789, 1.500,
             true, 'emoji 😀, combining e\u0301, RTL שלום', 'x', 'ab', '{"a": [1, null, "é"]}',
             '\\x00ff2a', '2026-11-20', '2026-11-20 23:59:59.999999',
             '2026-11-21 00:00:00+00', '23:59:59.999999', '1 year 2 mons 3 days 04:05:06.000007',
             'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1, NULL, 3}', '{"a", "", NULL}',
             '{1.5, NaN}', 'happy', '192.168.0.1/24', '10.0.0.0/8'),
            (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            (3, 0, 0, 'NaN', '-Infinity', 'NaN', 0, false, '', '', '', 'null', '', '1970-01-01',
             '1970-01-01 00:00', '1969-12-31 23:59:59.5+00', '00:00', '-1 days -00:00:00.5',
             '00000000-0000-0000-0000-000000000000', '{}', '{}', '{}', 'sad', '::1', '::/0'),
            (4, 1, 1, 'Infinity', 1e308, 'Infinity', -999999999.999, true, 'a', 'b', 'c',
             '[]', '\\x', '0001-01-01', '0001-01-01 00:00', '9999-12-31 23:59:59.999999+00',
             '12:00', '-2 mons', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '{-2147483648}',
             '{"tab\there", "quote\\"d"}', '{-Infinity, 0.25}', 'ok', '::ffff:1.2.3.4', '1.2.3.0/24')
          """);
    }
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void everyTypeComesBackWithTheSameValuesAndDigestOverBothProtocols() throws Exception {
    List<Object[]> textRows;
    List<Object[]> binaryRows;
    TableSchema schema;
    try (Connection connection = stack.connect()) {
      schema = PgTables.readSchema(connection, "public.every_type");
      textRows = read(connection, schema, false);
      binaryRows = read(connection, schema, true);
    }
    assertThat(schema.column(schema.indexOf("ints")))
        .isEqualTo(new Column("ints", ColumnType.ARRAY, ColumnType.INTEGER));
    assertThat(schema.column(schema.indexOf("m")).type()).isEqualTo(ColumnType.TEXT);
    assertThat(schema.column(schema.indexOf("n2"))).isEqualTo(Column.decimal("n2", 12, 3));
    assertThat(schema.column(schema.indexOf("n"))).isEqualTo(new Column("n", ColumnType.NUMERIC));
    assertSameRows(binaryRows, textRows);
    assertThat(digest(schema, binaryRows)).isEqualTo(digest(schema, textRows));

    Path file = dir.resolve("every-type.parquet");
    try (ChunkFileWriter writer =
        ChunkFileWriter.create(file, schema, CompressionCodecName.ZSTD, 1024 * 1024)) {
      for (Object[] row : textRows) {
        writer.write(row);
      }
    }
    List<Object[]> fromParquet = new ArrayList<>();
    ChunkFileReader.read(file, schema, fromParquet::add);
    assertSameRows(fromParquet, textRows);
    assertThat(digest(schema, fromParquet)).isEqualTo(digest(schema, textRows));

    // Spot checks of exactness, against what PostgreSQL itself printed.
    Object[] first = textRows.get(0);
    assertThat(first[schema.indexOf("n")]).isEqualTo("123456789012345678901234567890.123456789");
    assertThat(first[schema.indexOf("n2")]).isEqualTo("1.500");
    assertThat(first[schema.indexOf("span")]).isEqualTo(new PgInterval(14, 3, 14_706_000_007L));
    assertThat(first[schema.indexOf("ints")]).isEqualTo(java.util.Arrays.asList(1, null, 3));
    assertThat(textRows.get(1)[schema.indexOf("t")]).isNull();
    assertThat(textRows.get(2)[schema.indexOf("t")]).isEqualTo("");
    assertThat((Float) textRows.get(2)[schema.indexOf("r")]).isNaN();
    assertThat(textRows.get(3)[schema.indexOf("reals")])
        .isEqualTo(List.of(Float.NEGATIVE_INFINITY, 0.25f));

    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        ResultSet rs =
            duck.createStatement()
                .executeQuery(
                    "SELECT count(*), count(u), sum(len(ints)), max(tm), typeof(any_value(n2)),"
                        + " sum(n2)::VARCHAR FROM read_parquet('"
                        + file
                        + "')")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(4);
      assertThat(rs.getLong(2)).isEqualTo(3);
      assertThat(rs.getLong(3)).isEqualTo(4);
      assertThat(rs.getString(4)).isEqualTo("23:59:59.999999");
      assertThat(rs.getString(5)).isEqualTo("DECIMAL(12,3)");
      assertThat(rs.getString(6)).isEqualTo("-999999998.499");
    }
  }

  @Test
  void valuesThatCannotSurviveExactlyAreRefusedNamingTheColumn() throws Exception {
    try (Connection connection = stack.connect();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE refused (id int, day date, at timestamptz, tm time, grid int[], money"
              + " numeric(5, 2), p point)");
      assertThatThrownBy(() -> PgTables.readSchema(connection, "public.refused"))
          .isInstanceOf(UnsupportedColumnTypeException.class)
          .hasMessageContaining("table public.refused column p has type point");
      statement.execute("ALTER TABLE refused DROP COLUMN p");
      statement.execute("ALTER TABLE refused ADD COLUMN nums numeric[]");
      assertThatThrownBy(() -> PgTables.readSchema(connection, "public.refused"))
          .isInstanceOf(UnsupportedColumnTypeException.class)
          .hasMessageContaining("column nums has type _numeric");
      statement.execute("ALTER TABLE refused DROP COLUMN nums");
      TableSchema schema = PgTables.readSchema(connection, "public.refused");

      assertRefused(connection, schema, "day = 'infinity'", "column day holds infinity");
      assertRefused(connection, schema, "at = '-infinity'", "column at holds infinity");
      assertRefused(connection, schema, "tm = '24:00'", "column tm holds 24:00:00");
      assertRefused(connection, schema, "money = 'NaN'", "column money holds NaN");
      assertRefused(connection, schema, "grid = '{{1,2},{3,4}}'", "multi-dimensional");

      // The driver hands arrays over without their bounds; the export's query checks them.
      statement.execute("CREATE TABLE bounded (id int, day date, grid int[])");
      statement.execute("INSERT INTO bounded VALUES (1, '2026-11-20', '[0:1]={1,2}')");
      DatasetDefinition bounded =
          new DatasetDefinition(
              "bounded",
              "public.bounded",
              "day",
              Grain.DAY,
              "id",
              java.util.Optional.empty(),
              java.util.Optional.empty(),
              LifecycleMode.MOVE,
              List.of(),
              java.time.Duration.ofDays(1),
              List.of(),
              DatasetDefinition.FileLayout.DEFAULT);
      PartitionExporter exporter =
          new PartitionExporter(store, new ObjectKeys("bounded"), java.time.Clock.systemUTC());
      assertThatThrownBy(
              () ->
                  exporter.export(
                      connection,
                      bounded,
                      PgTables.readSchema(connection, "public.bounded"),
                      java.time.Instant.parse("2026-11-20T00:00:00Z"),
                      1))
          .isInstanceOf(UnrepresentableValueException.class)
          .hasMessageContaining("column grid holds an array whose lower bound is not 1");
    }
  }

  @Test
  void rowsExactlyAtPartitionEdgesLandInTheirOwnPartition() throws Exception {
    try (Connection connection = stack.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL)");
      statement.execute(
          """
          INSERT INTO events VALUES
            (1, '2026-11-19 23:59:59.999999+00'), (2, '2026-11-20 00:00:00+00'),
            (3, '2026-11-20 23:59:59.999999+00'), (4, '2026-11-21 00:00:00+00'),
            (5, '2026-11-20 01:00:00+01')
          """);
      DatasetDefinition events =
          new DatasetDefinition(
              "events",
              "public.events",
              "at",
              Grain.DAY,
              "id",
              java.util.Optional.empty(),
              java.util.Optional.empty(),
              LifecycleMode.MOVE,
              List.of("at"),
              java.time.Duration.ofDays(1),
              List.of(),
              DatasetDefinition.FileLayout.DEFAULT);
      TableSchema schema = PgTables.readSchema(connection, "public.events");
      PartitionExporter exporter =
          new PartitionExporter(store, new ObjectKeys("edges"), java.time.Clock.systemUTC());
      connection.setAutoCommit(false);
      Manifest day =
          exporter.export(
              connection, events, schema, java.time.Instant.parse("2026-11-20T00:00:00Z"), 1);
      List<Object> ids = new ArrayList<>();
      for (Manifest.StoredObject object : day.objects()) {
        Path file = dir.resolve("edges-" + ids.size() + ".parquet");
        store.download(object.key(), file);
        ChunkFileReader.read(file, schema, row -> ids.add(row[0]));
      }
      // [2026-11-20T00:00Z, 2026-11-21T00:00Z): the start is in, the end is out; 01:00+01 is
      // midnight UTC.
      assertThat(ids).containsExactlyInAnyOrder(2L, 5L, 3L);
      assertThat(day.minTime()).isEqualTo("2026-11-20T00:00:00Z");
      assertThat(day.maxTime()).isEqualTo("2026-11-20T23:59:59.999999Z");
      connection.commit();
    }
  }

  private static void assertRefused(
      Connection connection, TableSchema schema, String assignment, String message)
      throws Exception {
    assertRefused(connection, schema, assignment, message, new boolean[] {false, true});
  }

  private static void assertRefused(
      Connection connection,
      TableSchema schema,
      String assignment,
      String message,
      boolean[] protocols)
      throws Exception {
    try (Statement statement = connection.createStatement()) {
      statement.execute("DELETE FROM refused");
      statement.execute("INSERT INTO refused (id) VALUES (1)");
      statement.execute("UPDATE refused SET " + assignment);
    }
    for (boolean binary : protocols) {
      assertThatThrownBy(() -> read(connection, schema, "public.refused", binary))
          .as("%s over the %s protocol", assignment, binary ? "binary" : "text")
          .isInstanceOf(UnrepresentableValueException.class)
          .hasMessageContaining(message)
          .hasMessageContaining("not exported");
    }
  }

  private static List<Object[]> read(Connection connection, TableSchema schema, boolean binary)
      throws Exception {
    return read(connection, schema, "public.every_type", binary);
  }

  private static List<Object[]> read(
      Connection connection, TableSchema schema, String table, boolean binary) throws Exception {
    List<Object[]> rows = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT " + schema.selectList() + " FROM " + table + " ORDER BY 1")) {
      // -1 forces binary transfer; 0 never prepares, so values travel as text.
      select.unwrap(PGStatement.class).setPrepareThreshold(binary ? -1 : 0);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          rows.add(PgTables.readRow(rs, schema));
        }
      }
    }
    return rows;
  }

  private static String digest(TableSchema schema, List<Object[]> rows) {
    RowDigest digest = new RowDigest(schema);
    rows.forEach(digest::add);
    return digest.hex();
  }

  private static void assertSameRows(List<Object[]> actual, List<Object[]> expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i)).as("row %d", i).containsExactly(expected.get(i));
    }
  }
}
