package dev.permafrost.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.permafrost.devstack.PostgisServer;
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

/**
 * PostGIS geometry leaves real PostgreSQL with PostGIS as ISO WKB, survives a chunk file with the
 * same row digest, and becomes the same geometry again with the column's SRID; a geometry whose
 * SRID WKB cannot carry is refused, naming the column.
 */
class GeometryRoundTripIT {

  private static PostgisServer postgis;

  @TempDir Path dir;

  @BeforeAll
  static void createTable() throws Exception {
    postgis = PostgisServer.start(Path.of("target", "postgis").toAbsolutePath());
    try (Connection connection = postgis.connect();
        Statement statement = connection.createStatement()) {
      statement.execute(
          """
          CREATE TABLE places (
              id bigint PRIMARY KEY, day date NOT NULL,
              shape geometry(Geometry, 4326), grid geometry)
          """);
      statement.execute(
          """
          INSERT INTO places VALUES
            (1, '2026-11-20', 'SRID=4326;POINT(13.4050 52.5200)', 'POINT(1 2)'),
            (2, '2026-11-20', 'SRID=4326;LINESTRING(0 0, 1 1, 2 0.5)', NULL),
            (3, '2026-11-20',
             'SRID=4326;POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))',
             'MULTIPOINT((0 0), (1 1))'),
            (4, '2026-11-20', 'SRID=4326;GEOMETRYCOLLECTION EMPTY', 'POINT Z (1.5 -2.25 100)'),
            (5, '2026-11-20', NULL, 'POINT(0.1 0.2)')
          """);
    }
  }

  @AfterAll
  static void stop() {
    postgis.close();
  }

  @Test
  void geometryTravelsAsWkbAndComesBackAsTheSameGeometry() throws Exception {
    TableSchema schema;
    List<Object[]> rows;
    try (Connection connection = postgis.connect()) {
      schema = PgTables.readSchema(connection, "public.places");
      rows = read(connection, schema);
    }
    assertThat(schema.column(schema.indexOf("shape"))).isEqualTo(Column.geometry("shape", 4326));
    assertThat(schema.column(schema.indexOf("grid"))).isEqualTo(Column.geometry("grid", 0));
    assertThat(rows).hasSize(5);
    assertThat(rows.get(4)[schema.indexOf("shape")]).isNull();

    Path file = dir.resolve("places.parquet");
    try (ChunkFileWriter writer =
        ChunkFileWriter.create(file, schema, CompressionCodecName.ZSTD, 1024 * 1024)) {
      for (Object[] row : rows) {
        writer.write(row);
      }
    }
    List<Object[]> fromParquet = new ArrayList<>();
    ChunkFileReader.read(file, schema, fromParquet::add);
    assertThat(fromParquet).hasSameSizeAs(rows);
    for (int i = 0; i < rows.size(); i++) {
      assertThat(fromParquet.get(i)).as("row %d", i).containsExactly(rows.get(i));
    }
    assertThat(digest(schema, fromParquet)).isEqualTo(digest(schema, rows));

    // The bytes from the file, with the column's SRID, are the geometry PostgreSQL holds.
    try (Connection connection = postgis.connect();
        PreparedStatement same =
            connection.prepareStatement(
                "SELECT shape IS NOT DISTINCT FROM ST_GeomFromWKB(?, 4326)"
                    + " AND ST_AsEWKT(shape) IS NOT DISTINCT FROM ST_AsEWKT(ST_GeomFromWKB(?,"
                    + " 4326)) AND ST_AsEWKT(grid) IS NOT DISTINCT FROM"
                    + " ST_AsEWKT(ST_GeomFromWKB(?, 0)) FROM places WHERE id = ?")) {
      for (Object[] row : fromParquet) {
        byte[] shape = (byte[]) row[schema.indexOf("shape")];
        same.setBytes(1, shape);
        same.setBytes(2, shape);
        same.setBytes(3, (byte[]) row[schema.indexOf("grid")]);
        same.setLong(4, (Long) row[schema.indexOf("id")]);
        try (ResultSet rs = same.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getBoolean(1)).as("row %s", row[0]).isTrue();
        }
      }
    }

    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        ResultSet rs =
            duck.createStatement()
                .executeQuery(
                    "SELECT count(*), count(shape), sum(octet_length(shape)), typeof(any_value(shape))"
                        + " FROM read_parquet('"
                        + file
                        + "')")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(5);
      assertThat(rs.getLong(2)).isEqualTo(4);
      assertThat(rs.getLong(3)).isEqualTo(wkbBytes("shape"));
      assertThat(rs.getString(4)).isEqualTo("BLOB");
    }
  }

  @Test
  void rowsWrittenAsCopyTextLoadBackAsTheSameGeometries() throws Exception {
    try (Connection connection = postgis.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE places_restored (LIKE places INCLUDING ALL)");
      TableSchema schema = PgTables.readSchema(connection, "public.places");
      StringBuilder copy = new StringBuilder();
      for (Object[] row : read(connection, schema)) {
        CopyText.appendRow(copy, schema, row);
      }
      connection
          .unwrap(org.postgresql.PGConnection.class)
          .getCopyAPI()
          .copyIn("COPY places_restored FROM STDIN", new java.io.StringReader(copy.toString()));
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT count(*) FROM places p FULL JOIN places_restored r ON p.id = r.id"
                  + " WHERE p.id IS NULL OR r.id IS NULL OR ST_AsEWKB(p.shape)"
                  + " IS DISTINCT FROM ST_AsEWKB(r.shape) OR ST_AsEWKB(p.grid)"
                  + " IS DISTINCT FROM ST_AsEWKB(r.grid)")) {
        rs.next();
        assertThat(rs.getLong(1)).as("rows that differ").isZero();
      }
    }
  }

  @Test
  void aGeometryWhoseSridWkbCannotCarryIsRefusedNamingTheColumn() throws Exception {
    try (Connection connection = postgis.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE mixed (id bigint PRIMARY KEY, grid geometry)");
      statement.execute("INSERT INTO mixed VALUES (1, 'SRID=3857;POINT(1 2)')");
      TableSchema schema = PgTables.readSchema(connection, "public.mixed");
      assertThatThrownBy(() -> read(connection, schema, "public.mixed"))
          .isInstanceOf(UnrepresentableValueException.class)
          .hasMessageContaining("column grid holds a geometry whose SRID is not the column's");
    }
  }

  private static long wkbBytes(String column) throws Exception {
    try (Connection connection = postgis.connect();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery("SELECT sum(length(ST_AsBinary(" + column + "))) FROM places")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static List<Object[]> read(Connection connection, TableSchema schema) throws Exception {
    return read(connection, schema, "public.places");
  }

  /** Reads the way the exporter does: canonical values followed by their checks. */
  private static List<Object[]> read(Connection connection, TableSchema schema, String table)
      throws Exception {
    List<Object[]> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT "
                    + schema.selectList()
                    + PgTables.valueChecks(schema)
                    + " FROM "
                    + table
                    + " ORDER BY 1")) {
      while (rs.next()) {
        rows.add(PgTables.readRow(rs, schema));
        PgTables.checkValues(rs, schema);
      }
    }
    return rows;
  }

  private static String digest(TableSchema schema, List<Object[]> rows) {
    RowDigest digest = new RowDigest(schema);
    rows.forEach(digest::add);
    return digest.hex();
  }
}
