package dev.permafrost.format;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.postgresql.util.PGInterval;

/** Reads a table's schema and its rows' values from PostgreSQL in the canonical Java types. */
public final class PgTables {

  private PgTables() {}

  /**
   * The columns of {@code table} in declared order.
   *
   * @param table a table name, optionally schema-qualified ({@code public.pageviews})
   * @throws UnsupportedColumnTypeException naming the first column whose type has no mapping
   * @throws IllegalArgumentException if the table does not exist
   */
  public static TableSchema readSchema(Connection connection, String table) throws SQLException {
    String sql =
        """
        SELECT a.attname, t.typname, t.typtype, e.typname, e.typtype, a.atttypmod
        FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
        WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """;
    List<Column> columns = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, table);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          String elementType = rs.getString(4);
          if (elementType == null) {
            ColumnType type = scalarType(table, name, rs.getString(2), rs.getString(3));
            columns.add(column(name, type, rs.getInt(6)));
          } else {
            ColumnType element = scalarType(table, name, elementType, rs.getString(5));
            if (!ARRAY_ELEMENTS.contains(element)) {
              throw new UnsupportedColumnTypeException(table, name, rs.getString(2));
            }
            columns.add(new Column(name, ColumnType.ARRAY, element));
          }
        }
      }
    }
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("table " + table + " does not exist or has no columns");
    }
    return new TableSchema(columns);
  }

  /**
   * Element types of arrays whose JDBC values map exactly onto the canonical Java classes. Not
   * numeric: the driver cannot decode a numeric array holding NaN.
   */
  private static final List<ColumnType> ARRAY_ELEMENTS =
      List.of(
          ColumnType.SMALLINT,
          ColumnType.INTEGER,
          ColumnType.BIGINT,
          ColumnType.REAL,
          ColumnType.DOUBLE,
          ColumnType.BOOLEAN,
          ColumnType.TEXT,
          ColumnType.UUID);

  /**
   * A {@code numeric(p, s)} within Parquet's DECIMAL range becomes an exact DECIMAL column; every
   * other numeric stays exact text.
   */
  private static Column column(String name, ColumnType type, int typmod) {
    if (type == ColumnType.GEOMETRY) {
      // PostGIS keeps the declared SRID in bits 8..27 of the type modifier; -1 declares none.
      return Column.geometry(name, typmod < 0 ? 0 : (typmod & 0x0FFFFF00) >> 8);
    }
    if (type == ColumnType.NUMERIC && typmod >= 4) {
      int precision = ((typmod - 4) >> 16) & 0xffff;
      int scale = (typmod - 4) & 0xffff;
      if (precision <= Column.MAX_DECIMAL_PRECISION && scale <= precision) {
        return Column.decimal(name, precision, scale);
      }
    }
    return new Column(name, type);
  }

  private static ColumnType scalarType(String table, String column, String pgType, String kind) {
    if ("e".equals(kind)) {
      return ColumnType.TEXT; // an enum's label
    }
    return switch (pgType) {
      case "int2" -> ColumnType.SMALLINT;
      case "int4" -> ColumnType.INTEGER;
      case "int8" -> ColumnType.BIGINT;
      case "float4" -> ColumnType.REAL;
      case "float8" -> ColumnType.DOUBLE;
      case "numeric" -> ColumnType.NUMERIC;
      case "bool" -> ColumnType.BOOLEAN;
      case "text", "varchar", "bpchar", "inet", "cidr" -> ColumnType.TEXT;
      case "jsonb", "json" -> ColumnType.JSONB;
      case "bytea" -> ColumnType.BYTEA;
      case "date" -> ColumnType.DATE;
      case "timestamp" -> ColumnType.TIMESTAMP;
      case "timestamptz" -> ColumnType.TIMESTAMPTZ;
      case "time" -> ColumnType.TIME;
      case "interval" -> ColumnType.INTERVAL;
      case "uuid" -> ColumnType.UUID;
      case "geometry" -> ColumnType.GEOMETRY;
      default -> throw new UnsupportedColumnTypeException(table, column, pgType);
    };
  }

  /**
   * Reads column {@code index} (1-based) of the current row as its type's Java class.
   *
   * @throws UnrepresentableValueException for values that would not survive the trip exactly:
   *     infinite dates and timestamps, {@code 24:00:00}, arrays of more than one dimension
   */
  public static Object readValue(ResultSet rs, int index, Column column) throws SQLException {
    Object value =
        switch (column.type()) {
          case SMALLINT -> rs.getShort(index);
          case INTEGER -> rs.getInt(index);
          case BIGINT -> rs.getLong(index);
          case REAL -> rs.getFloat(index);
          case DOUBLE -> rs.getDouble(index);
          case NUMERIC -> decimalChecked(column, numeric(rs.getString(index)));
          case BOOLEAN -> rs.getBoolean(index);
          case TEXT, JSONB -> rs.getString(index);
          case BYTEA, GEOMETRY -> rs.getBytes(index);
          case DATE -> finite(column, rs.getObject(index, LocalDate.class));
          case TIMESTAMP -> finite(column, rs.getObject(index, LocalDateTime.class));
          case TIMESTAMPTZ -> {
            OffsetDateTime time = finite(column, rs.getObject(index, OffsetDateTime.class));
            yield time == null ? null : time.toInstant();
          }
          case TIME -> time(column, rs.getString(index));
          case INTERVAL -> interval((PGInterval) rs.getObject(index));
          case UUID -> rs.getObject(index, UUID.class);
          case ARRAY -> array(column, rs.getArray(index));
        };
    return rs.wasNull() ? null : value;
  }

  /**
   * Extra select-list items, one per array or geometry column, each true when a value would not
   * survive as its canonical form. The driver hands arrays over without their bounds, and a list
   * cannot keep one: {@code '[0:2]={1,2,3}'} would silently become {@code '{1,2,3}'}. WKB has no
   * SRID, so a geometry whose SRID is not the column's declared one would lose it. Empty when no
   * column needs a check.
   */
  public static String valueChecks(TableSchema schema) {
    StringBuilder checks = new StringBuilder();
    for (Column column : schema.columns()) {
      String name = DatasetDefinition.quote(column.name());
      if (column.type() == ColumnType.ARRAY) {
        checks.append(", coalesce(array_lower(").append(name).append(", 1), 1) <> 1");
      } else if (column.type() == ColumnType.GEOMETRY) {
        checks
            .append(", coalesce(ST_SRID(")
            .append(name)
            .append("), ")
            .append(column.srid())
            .append(") <> ")
            .append(column.srid());
      }
    }
    return checks.toString();
  }

  /**
   * Refuses the current row if one of the {@link #valueChecks} items, which follow the schema's
   * columns, is true.
   */
  public static void checkValues(ResultSet rs, TableSchema schema) throws SQLException {
    int index = schema.size();
    for (Column column : schema.columns()) {
      if (column.type() == ColumnType.ARRAY && rs.getBoolean(++index)) {
        throw new UnrepresentableValueException(
            column.name(), "holds an array whose lower bound is not 1, which a list cannot keep");
      }
      if (column.type() == ColumnType.GEOMETRY && rs.getBoolean(++index)) {
        throw new UnrepresentableValueException(
            column.name(),
            "holds a geometry whose SRID is not the column's declared "
                + column.srid()
                + "; declare the SRID on the column (geometry(Geometry, 4326)) so that WKB keeps"
                + " it");
      }
    }
  }

  /** Reads every column of the current row. */
  public static Object[] readRow(ResultSet rs, TableSchema schema) throws SQLException {
    Object[] row = new Object[schema.size()];
    for (int i = 0; i < row.length; i++) {
      row[i] = readValue(rs, i + 1, schema.column(i));
    }
    return row;
  }

  /**
   * The plain decimal text with its scale, whichever protocol brought it: binary transfer can hand
   * over {@code 1E+3} where PostgreSQL's own text is {@code 1000}.
   */
  private static String numeric(String text) {
    if (text == null || text.equals("NaN") || text.endsWith("Infinity")) {
      return text;
    }
    return new BigDecimal(text).toPlainString();
  }

  private static String decimalChecked(Column column, String value) {
    if (column.isDecimal()
        && value != null
        && (value.equals("NaN") || value.endsWith("Infinity"))) {
      throw new UnrepresentableValueException(
          column.name(), "holds " + value + ", which a Parquet DECIMAL cannot represent");
    }
    return value;
  }

  private static <T> T finite(Column column, T value) {
    // The driver maps 'infinity' and '-infinity' to these sentinels.
    if (value == LocalDate.MAX
        || value == LocalDate.MIN
        || LocalDate.MAX.equals(value)
        || LocalDate.MIN.equals(value)
        || LocalDateTime.MAX.equals(value)
        || LocalDateTime.MIN.equals(value)
        || OffsetDateTime.MAX.equals(value)
        || OffsetDateTime.MIN.equals(value)) {
      throw new UnrepresentableValueException(
          column.name(), "holds infinity, which Parquet timestamps cannot represent");
    }
    return value;
  }

  private static LocalTime time(Column column, String text) {
    if (text == null) {
      return null;
    }
    if (text.startsWith("24:")) {
      throw new UnrepresentableValueException(
          column.name(), "holds 24:00:00, which Parquet TIME cannot represent");
    }
    return LocalTime.parse(text);
  }

  private static PgInterval interval(PGInterval interval) {
    if (interval == null) {
      return null;
    }
    long micros =
        ((interval.getHours() * 60L + interval.getMinutes()) * 60L + interval.getWholeSeconds())
                * 1_000_000L
            + interval.getMicroSeconds();
    return new PgInterval(
        interval.getYears() * 12 + interval.getMonths(), interval.getDays(), micros);
  }

  private static List<Object> array(Column column, Array array) throws SQLException {
    if (array == null) {
      return null;
    }
    Object[] elements = (Object[]) array.getArray();
    List<Object> values = new ArrayList<>(elements.length);
    for (Object element : elements) {
      if (element instanceof Object[]) {
        throw new UnrepresentableValueException(
            column.name(), "holds a multi-dimensional array; only one dimension is supported");
      }
      values.add(element == null ? null : arrayElement(column.elementType(), element));
    }
    return values;
  }

  private static Object arrayElement(ColumnType type, Object element) {
    return switch (type) {
      case SMALLINT -> ((Number) element).shortValue();
      case INTEGER -> ((Number) element).intValue();
      case BIGINT -> ((Number) element).longValue();
      case REAL -> ((Number) element).floatValue();
      case DOUBLE -> ((Number) element).doubleValue();
      case BOOLEAN -> (Boolean) element;
      case TEXT -> (String) element;
      case UUID -> (UUID) element;
      default -> throw new IllegalArgumentException("arrays of " + type + " are not supported");
    };
  }
}
