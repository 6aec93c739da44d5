package dev.permafrost.format;

import java.util.Objects;

/** One column of a dataset's table, in declared order. */
public record Column(String name, ColumnType type) {

  public Column {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
  }
}
