package dev.permafrost.format;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * One column of a dataset's table, in declared order.
 *
 * @param elementType the type of an ARRAY column's elements; null for every other type
 * @param precision the declared precision of a {@code numeric(p, s)} column; null otherwise
 * @param scale the declared scale of a {@code numeric(p, s)} column; null otherwise
 * @param srid the declared spatial reference id of a GEOMETRY column, 0 when none is declared; null
 *     for every other type
 */
public record Column(
    String name,
    ColumnType type,
    @JsonInclude(JsonInclude.Include.NON_NULL) ColumnType elementType,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer precision,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer scale,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer srid) {

  /** The largest precision Parquet's DECIMAL holds in 16 bytes, and engines read everywhere. */
  public static final int MAX_DECIMAL_PRECISION = 38;

  public Column {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    if ((type == ColumnType.ARRAY) != (elementType != null)) {
      throw new IllegalArgumentException(
          "column " + name + ": an element type goes with ARRAY and only with it");
    }
    if (elementType == ColumnType.ARRAY) {
      throw new IllegalArgumentException("column " + name + ": arrays of arrays are not supported");
    }
    if ((precision != null || scale != null)
        && (type != ColumnType.NUMERIC
            || precision == null
            || scale == null
            || precision < 1
            || precision > MAX_DECIMAL_PRECISION
            || scale < 0
            || scale > precision)) {
      throw new IllegalArgumentException(
          "column "
              + name
              + ": precision and scale go with numeric, 0 <= scale <= precision <= 38");
    }
    if ((type == ColumnType.GEOMETRY) != (srid != null) || (srid != null && srid < 0)) {
      throw new IllegalArgumentException(
          "column " + name + ": an SRID >= 0 goes with GEOMETRY and only with it");
    }
  }

  /** A column of a scalar type. */
  public Column(String name, ColumnType type) {
    this(name, type, null, null, null, null);
  }

  /** An array column, or a scalar one when {@code elementType} is null. */
  public Column(String name, ColumnType type, ColumnType elementType) {
    this(name, type, elementType, null, null, null);
  }

  /** A {@code numeric(precision, scale)} column, stored as an exact Parquet DECIMAL. */
  public static Column decimal(String name, int precision, int scale) {
    return new Column(name, ColumnType.NUMERIC, null, precision, scale, null);
  }

  /** A PostGIS geometry column whose values all have spatial reference id {@code srid}. */
  public static Column geometry(String name, int srid) {
    return new Column(name, ColumnType.GEOMETRY, null, null, null, srid);
  }

  /**
   * How a query reads this column as its canonical value: geometry as ISO WKB, everything else as
   * it is.
   *
   * @param qualifier a table alias to qualify the column with, or null
   */
  public String selectExpression(String qualifier) {
    String reference = (qualifier == null ? "" : qualifier + ".") + DatasetDefinition.quote(name);
    if (type == ColumnType.GEOMETRY) {
      return "ST_AsBinary(" + reference + ") AS " + DatasetDefinition.quote(name);
    }
    return reference;
  }

  /** Whether the values are stored as Parquet DECIMAL rather than as text. */
  @JsonIgnore
  public boolean isDecimal() {
    return precision != null;
  }
}
