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
  /** real, IEEE-754 single precision, NaN and infinities included. */
  REAL(Float.class),
  DOUBLE(Double.class),
  /**
   * numeric, as the exact plain decimal text PostgreSQL gives (scale kept: {@code 1.50}), or {@code
   * NaN}, {@code Infinity}, {@code -Infinity}; stored as a Parquet string so that nothing is
   * rounded whatever the precision.
   */
  NUMERIC(String.class),
  BOOLEAN(Boolean.class),
  /** text, varchar, char, and the text of enums, inet and cidr values. */
  TEXT(String.class),
  /** The text PostgreSQL gives for a jsonb value, stored with Parquet's JSON logical type. */
  JSONB(String.class),
  BYTEA(byte[].class),
  DATE(java.time.LocalDate.class),
  /** timestamp without time zone, as microseconds since the epoch, not adjusted to UTC. */
  TIMESTAMP(java.time.LocalDateTime.class),
  /** timestamptz, as UTC microseconds since the epoch. */
  TIMESTAMPTZ(java.time.Instant.class),
  /** time without time zone, microseconds since midnight; 24:00:00 is refused. */
  TIME(java.time.LocalTime.class),
  /** interval, as months, days and microseconds, the three parts PostgreSQL keeps apart. */
  INTERVAL(PgInterval.class),
  UUID(java.util.UUID.class),
  /**
   * PostGIS geometry, as ISO well-known binary (WKB) in a Parquet binary column; the SRID is the
   * column's declared one, recorded in the chunk's schema.
   */
  GEOMETRY(byte[].class),
  /** A one-dimensional array of an element type, as a Parquet LIST; elements may be NULL. */
  ARRAY(java.util.List.class);

  private final Class<?> javaClass;

  ColumnType(Class<?> javaClass) {
    this.javaClass = javaClass;
  }

  /** The class of this type's values in a row. */
  public Class<?> javaClass() {
    return javaClass;
  }

  /** The optional Parquet field for a column of this type; arrays take {@code elementType}. */
  Type parquetField(String name, ColumnType elementType) {
    return switch (this) {
      case REAL -> Types.optional(PrimitiveTypeName.FLOAT).named(name);
      case NUMERIC, INTERVAL ->
          Types.optional(PrimitiveTypeName.BINARY)
              .as(LogicalTypeAnnotation.stringType())
              .named(name);
      case TIME ->
          Types.optional(PrimitiveTypeName.INT64)
              .as(LogicalTypeAnnotation.timeType(false, LogicalTypeAnnotation.TimeUnit.MICROS))
              .named(name);
      case UUID ->
          Types.optional(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY)
              .length(16)
              .as(LogicalTypeAnnotation.uuidType())
              .named(name);
      case ARRAY ->
          Types.optionalList()
              .setElementType(elementType.parquetField("element", null))
              .named(name);
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
      case BYTEA, GEOMETRY -> Types.optional(PrimitiveTypeName.BINARY).named(name);
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
