package dev.permafrost.format;

/** A table has a column whose PostgreSQL type Permafrost cannot archive exactly. */
public class UnsupportedColumnTypeException extends RuntimeException {

  public UnsupportedColumnTypeException(String table, String column, String type) {
    super(
        "table "
            + table
            + " column "
            + column
            + " has type "
            + type
            + ", which Permafrost cannot archive exactly; supported: "
            + java.util.Arrays.toString(ColumnType.values()).toLowerCase(java.util.Locale.ROOT));
  }
}
