package dev.permafrost.format;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.parquet.schema.MessageType;

/** The columns of a dataset's table in declared order, as PostgreSQL and Parquet see them. */
public record TableSchema(List<Column> columns) {

  public TableSchema {
    columns = List.copyOf(Objects.requireNonNull(columns, "columns"));
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("a table schema needs at least one column");
    }
  }

  public int size() {
    return columns.size();
  }

  public Column column(int index) {
    return columns.get(index);
  }

  /** The position of {@code name}, or an error naming the columns there are. */
  public int indexOf(String name) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "no column '" + name + "'; the columns are " + columnNames());
  }

  /** The columns as a select list that reads their canonical values. */
  public String selectList() {
    return selectList(null);
  }

  /** The columns, qualified with a table alias, as a select list of their canonical values. */
  public String selectList(String qualifier) {
    return columns.stream()
        .map(c -> c.selectExpression(qualifier))
        .collect(Collectors.joining(", "));
  }

  private static org.apache.parquet.schema.Type parquetField(Column column) {
    if (column.isDecimal()) {
      return org.apache.parquet.schema.Types.optional(
              org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY)
          .as(
              org.apache.parquet.schema.LogicalTypeAnnotation.decimalType(
                  column.scale(), column.precision()))
          .named(column.name());
    }
    return column.type().parquetField(column.name(), column.elementType());
  }

  /**
   * Whether a column's values need a check on export that the canonical value cannot make: an
   * array's lower bound, a geometry's SRID.
   */
  public boolean needsValueChecks() {
    return columns.stream()
        .anyMatch(c -> c.type() == ColumnType.ARRAY || c.type() == ColumnType.GEOMETRY);
  }

  public List<String> columnNames() {
    return columns.stream().map(Column::name).toList();
  }

  /** The Parquet schema of a chunk file of this table. */
  public MessageType toParquet() {
    return new MessageType("row", columns.stream().map(TableSchema::parquetField).toList());
  }
}
