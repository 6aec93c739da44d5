package dev.permafrost.format;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * One column of a dataset's table, in declared order.
 *
 * @param elementType the type of an ARRAY column's elements; null for every other type
 */
public record Column(
    String name,
    ColumnType type,
    @JsonInclude(JsonInclude.Include.NON_NULL) ColumnType elementType) {

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
  }

  /** A column of a scalar type. */
  public Column(String name, ColumnType type) {
    this(name, type, null);
  }
}
