package dev.permafrost.format;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

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
        SELECT a.attname, t.typname, t.typcategory
        FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """;
    List<Column> columns = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, table);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          columns.add(new Column(name, columnType(table, name, rs.getString(2))));
        }
      }
    }
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("table " + table + " does not exist or has no columns");
    }
    return new TableSchema(columns);
  }

  private static ColumnType columnType(String table, String column, String pgType) {
    return switch (pgType) {
      case "int2" -> ColumnType.SMALLINT;
      case "int4" -> ColumnType.INTEGER;
      case "int8" -> ColumnType.BIGINT;
      case "float8" -> ColumnType.DOUBLE;
      case "bool" -> ColumnType.BOOLEAN;
      case "text", "varchar", "bpchar" -> ColumnType.TEXT;
      case "jsonb", "json" -> ColumnType.JSONB;
      case "bytea" -> ColumnType.BYTEA;
      case "date" -> ColumnType.DATE;
      case "timestamp" -> ColumnType.TIMESTAMP;
      case "timestamptz" -> ColumnType.TIMESTAMPTZ;
      default -> throw new UnsupportedColumnTypeException(table, column, pgType);
    };
  }

  /** Reads column {@code index} (1-based) of the current row as {@code type}'s Java class. */
  public static Object readValue(ResultSet rs, int index, ColumnType type) throws SQLException {
    Object value =
        switch (type) {
          case SMALLINT -> rs.getShort(index);
          case INTEGER -> rs.getInt(index);
          case BIGINT -> rs.getLong(index);
          case DOUBLE -> rs.getDouble(index);
          case BOOLEAN -> rs.getBoolean(index);
          case TEXT, JSONB -> rs.getString(index);
          case BYTEA -> rs.getBytes(index);
          case DATE -> rs.getObject(index, LocalDate.class);
          case TIMESTAMP -> rs.getObject(index, LocalDateTime.class);
          case TIMESTAMPTZ -> {
            OffsetDateTime time = rs.getObject(index, OffsetDateTime.class);
            yield time == null ? null : time.toInstant();
          }
        };
    return rs.wasNull() ? null : value;
  }

  /** Reads every column of the current row. */
  public static Object[] readRow(ResultSet rs, TableSchema schema) throws SQLException {
    Object[] row = new Object[schema.size()];
    for (int i = 0; i < row.length; i++) {
      row[i] = readValue(rs, i + 1, schema.column(i).type());
    }
    return row;
  }
}
