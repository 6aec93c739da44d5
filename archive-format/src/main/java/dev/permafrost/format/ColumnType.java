package dev.permafrost.format;

import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * The column types Permafrost moves between PostgreSQL and Parquet, each with the one Java class
 * its values have in a row ({@code Object[]}) on both sides.
 */
public enum ColumnType {
  SMALLINT(Short.class),
  INTEGER(Integer.class),
  BIGINT(Long.class),
  DOUBLE(Double.class),
  BOOLEAN(Boolean.class),
  TEXT(String.class),
  /** The text PostgreSQL gives for a jsonb value, stored with Parquet's JSON logical type. */
  JSONB(String.class),
  BYTEA(byte[].class),
  DATE(java.time.LocalDate.class),
  /** timestamp without time zone, as microseconds since the epoch, not adjusted to UTC. */
  TIMESTAMP(java.time.LocalDateTime.class),
  /** timestamptz, as UTC microseconds since the epoch. */
  TIMESTAMPTZ(java.time.Instant.class);

  private final Class<?> javaClass;

  ColumnType(Class<?> javaClass) {
    this.javaClass = javaClass;
  }

  /** The class of this type's values in a row. */
  public Class<?> javaClass() {
    return javaClass;
  }

  /** The optional Parquet field for a column of this type. */
  Type parquetField(String name) {
    return switch (this) {
      case SMALLINT ->
          Types.optional(PrimitiveTypeName.INT32)
              .as(LogicalTypeAnnotation.intType(16, true))
              .named(name);
      case INTEGER -> Types.optional(PrimitiveTypeName.INT32).named(name);
      case BIGINT -> Types.optional(PrimitiveTypeName.INT64).named(name);
      case DOUBLE -> Types.optional(PrimitiveTypeName.DOUBLE).named(name);
      case BOOLEAN -> Types.optional(PrimitiveTypeName.BOOLEAN).named(name);
      case TEXT ->
          Types.optional(PrimitiveTypeName.BINARY)
              .as(LogicalTypeAnnotation.stringType())
              .named(name);
      case JSONB ->
          Types.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.jsonType()).named(name);
      case BYTEA -> Types.optional(PrimitiveTypeName.BINARY).named(name);
      case DATE ->
          Types.optional(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.dateType()).named(name);
      case TIMESTAMP ->
          Types.optional(PrimitiveTypeName.INT64)
              .as(LogicalTypeAnnotation.timestampType(false, LogicalTypeAnnotation.TimeUnit.MICROS))
              .named(name);
      case TIMESTAMPTZ ->
          Types.optional(PrimitiveTypeName.INT64)
              .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
              .named(name);
    };
  }
}
