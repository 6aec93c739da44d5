package dev.permafrost.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

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

  /** Adds one row, whose values have the Java classes of {@link ColumnType}. */
  public void add(Object[] row) {
    if (row.length != schema.size()) {
      throw new IllegalArgumentException(
          "row has " + row.length + " values but the schema " + schema.size() + " columns");
    }
    buffer.clear();
    for (int i = 0; i < row.length; i++) {
      encode(schema.column(i).type(), row[i]);
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
    byte[] bytes =
        switch (type) {
          case SMALLINT -> ByteBuffer.allocate(2).putShort((Short) value).array();
          case INTEGER -> ByteBuffer.allocate(4).putInt((Integer) value).array();
          case BIGINT -> ByteBuffer.allocate(8).putLong((Long) value).array();
          case DOUBLE ->
              ByteBuffer.allocate(8).putLong(Double.doubleToLongBits((Double) value)).array();
          case BOOLEAN -> new byte[] {(byte) ((Boolean) value ? 1 : 0)};
          case TEXT, JSONB -> ((String) value).getBytes(StandardCharsets.UTF_8);
          case BYTEA -> (byte[]) value;
          case DATE ->
              ByteBuffer.allocate(4).putInt((int) ((LocalDate) value).toEpochDay()).array();
          case TIMESTAMP ->
              ByteBuffer.allocate(8)
                  .putLong(epochMicros(((LocalDateTime) value).toInstant(ZoneOffset.UTC)))
                  .array();
          case TIMESTAMPTZ -> ByteBuffer.allocate(8).putLong(epochMicros((Instant) value)).array();
        };
    ensure(5 + bytes.length);
    buffer.put(VALUE_TAG).putInt(bytes.length).put(bytes);
  }

  static long epochMicros(Instant instant) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
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
