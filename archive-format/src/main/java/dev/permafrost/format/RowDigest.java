package dev.permafrost.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The order-independent digest of a set of rows, computed the same way from PostgreSQL rows and
 * from Parquet rows: the sum modulo 2^128 of each row's hash, with the row count.
 *
 * <p>A row's hash is the first 16 bytes of SHA-256 over its canonical encoding: per column in
 * declared order a tag byte (0 NULL, 1 value), a 4-byte big-endian length and the value's canonical
 * bytes (see docs/archive-format.md). A sum, unlike XOR, still changes when a row is duplicated.
 * Not thread-safe.
 */
public final class RowDigest {

  private static final byte NULL_TAG = 0;
  private static final byte VALUE_TAG = 1;

  private final TableSchema schema;
  private final MessageDigest sha256;
  private ByteBuffer buffer = ByteBuffer.allocate(256);
  private long high;
  private long low;
  private long count;

  public RowDigest(TableSchema schema) {
    this.schema = schema;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * A digest of {@code count} rows whose digest is {@code hex}, e.g. a chunk's from its catalog.
   */
  public static RowDigest of(TableSchema schema, long count, String hex) {
    if (hex.length() != 32) {
      throw new IllegalArgumentException("a row digest has 32 hex digits, not '" + hex + "'");
    }
    RowDigest digest = new RowDigest(schema);
    digest.high = Long.parseUnsignedLong(hex.substring(0, 16), 16);
    digest.low = Long.parseUnsignedLong(hex.substring(16), 16);
    digest.count = count;
    return digest;
  }

  /** Adds one row, whose values have the Java classes of {@link ColumnType}. */
  public void add(Object[] row) {
    if (row.length != schema.size()) {
      throw new IllegalArgumentException(
          "row has " + row.length + " values but the schema " + schema.size() + " columns");
    }
    buffer.clear();
    for (int i = 0; i < row.length; i++) {
      Column column = schema.column(i);
      if (column.type() == ColumnType.ARRAY && row[i] != null) {
        encodeArray(column.elementType(), (List<?>) row[i]);
      } else {
        encode(column.type(), row[i]);
      }
    }
    sha256.update(buffer.array(), 0, buffer.position());
    byte[] hash = sha256.digest();
    long rowHigh = ByteBuffer.wrap(hash, 0, 8).getLong();
    long rowLow = ByteBuffer.wrap(hash, 8, 8).getLong();
    long sumLow = low + rowLow;
    // Carry into the high word when the unsigned low words overflow.
    high += rowHigh + (Long.compareUnsigned(sumLow, low) < 0 ? 1 : 0);
    low = sumLow;
    count++;
  }

  /** Adds the rows of {@code other}, e.g. one file's to its chunk's: a sum of sums. */
  public void addAll(RowDigest other) {
    long sumLow = low + other.low;
    high += other.high + (Long.compareUnsigned(sumLow, low) < 0 ? 1 : 0);
    low = sumLow;
    count += other.count;
  }

  /** Takes away the rows of {@code other}, which must be among these: a difference of sums. */
  public void subtract(RowDigest other) {
    long difference = low - other.low;
    high -= other.high + (Long.compareUnsigned(low, other.low) < 0 ? 1 : 0);
    low = difference;
    count -= other.count;
  }

  public long count() {
    return count;
  }

  /** The digest as 32 lowercase hex digits. */
  public String hex() {
    return String.format("%016x%016x", high, low);
  }

  private void encode(ColumnType type, Object value) {
    if (value == null) {
      ensure(5);
      buffer.put(NULL_TAG).putInt(0);
      return;
    }
    // Fixed-width values go straight into the buffer: this runs once per value of every row.
    switch (type) {
      case REAL -> fixed(4).putInt(Float.floatToIntBits((Float) value));
      case NUMERIC -> variable(((String) value).getBytes(StandardCharsets.UTF_8));
      case TIME -> fixed(8).putLong(((LocalTime) value).toNanoOfDay() / 1_000);
      case INTERVAL -> {
        PgInterval interval = (PgInterval) value;
        fixed(16).putInt(interval.months()).putInt(interval.days()).putLong(interval.micros());
      }
      case UUID -> {
        java.util.UUID uuid = (java.util.UUID) value;
        fixed(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
      }
      case ARRAY -> throw new IllegalArgumentException("arrays of arrays are not supported");
      case SMALLINT -> fixed(2).putShort((Short) value);
      case INTEGER -> fixed(4).putInt((Integer) value);
      case BIGINT -> fixed(8).putLong((Long) value);
      case DOUBLE -> fixed(8).putLong(Double.doubleToLongBits((Double) value));
      case BOOLEAN -> fixed(1).put((byte) ((Boolean) value ? 1 : 0));
      case DATE -> fixed(4).putInt((int) ((LocalDate) value).toEpochDay());
      case TIMESTAMP ->
          fixed(8).putLong(epochMicros(((LocalDateTime) value).toInstant(ZoneOffset.UTC)));
      case TIMESTAMPTZ -> fixed(8).putLong(epochMicros((Instant) value));
      case TEXT, JSONB -> variable(((String) value).getBytes(StandardCharsets.UTF_8));
      case BYTEA, GEOMETRY -> variable((byte[]) value);
    }
  }

  /** An array's value bytes are its elements' encodings, each with its own tag and length. */
  private void encodeArray(ColumnType elementType, List<?> elements) {
    ensure(5);
    buffer.put(VALUE_TAG);
    int lengthAt = buffer.position();
    buffer.putInt(0);
    for (Object element : elements) {
      encode(elementType, element);
    }
    buffer.putInt(lengthAt, buffer.position() - lengthAt - 4);
  }

  /** Writes tag and length of a value of {@code width} bytes; the caller writes the value. */
  private ByteBuffer fixed(int width) {
    ensure(5 + width);
    return buffer.put(VALUE_TAG).putInt(width);
  }

  private void variable(byte[] bytes) {
    ensure(5 + bytes.length);
    buffer.put(VALUE_TAG).putInt(bytes.length).put(bytes);
  }

  /** Microseconds since the epoch; computed by hand because the JDK's goes through nanoseconds. */
  static long epochMicros(Instant instant) {
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }

  private void ensure(int more) {
    if (buffer.remaining() < more) {
      ByteBuffer larger =
          ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + more));
      buffer.flip();
      larger.put(buffer);
      buffer = larger;
    }
  }
}
