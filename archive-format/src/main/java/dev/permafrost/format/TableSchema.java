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

  /** Column names joined by commas, quoted for SQL. */
  public String selectList() {
    return columns.stream()
        .map(c -> DatasetDefinition.quote(c.name()))
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

  /** Whether a column is an array, whose values need their bounds checked on export. */
  public boolean hasArrays() {
    return columns.stream().anyMatch(c -> c.type() == ColumnType.ARRAY);
  }

  public List<String> columnNames() {
    return columns.stream().map(Column::name).toList();
  }

  /** The Parquet schema of a chunk file of this table. */
  public MessageType toParquet() {
    return new MessageType("row", columns.stream().map(TableSchema::parquetField).toList());
  }
}
