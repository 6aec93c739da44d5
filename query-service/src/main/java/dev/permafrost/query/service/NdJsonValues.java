package dev.permafrost.query.service;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.permafrost.format.Column;
import dev.permafrost.format.ColumnType;
import java.io.IOException;
import java.util.Base64;
import java.util.List;

/**
 * Row values as JSON: numbers as numbers (NaN and infinities, which JSON lacks, as strings),
 * numeric as a string so that no digit is lost, jsonb as the JSON it holds, bytea and geometry
 * (WKB) as base64, dates and times as ISO text, arrays as arrays.
 */
final class NdJsonValues {

  private NdJsonValues() {}

  static void write(JsonGenerator json, Column column, ColumnType type, Object value)
      throws IOException {
    if (value == null) {
      json.writeNull();
      return;
    }
    switch (type) {
      case SMALLINT -> json.writeNumber((Short) value);
      case INTEGER -> json.writeNumber((Integer) value);
      case BIGINT -> json.writeNumber((Long) value);
      case REAL, DOUBLE -> {
        double number = ((Number) value).doubleValue();
        if (Double.isFinite(number)) {
          json.writeNumber(number);
        } else {
          json.writeString(value.toString());
        }
      }
      case BOOLEAN -> json.writeBoolean((Boolean) value);
      case JSONB -> json.writeRawValue((String) value);
      case BYTEA, GEOMETRY -> json.writeString(Base64.getEncoder().encodeToString((byte[]) value));
      case ARRAY -> {
        json.writeStartArray();
        for (Object element : (List<?>) value) {
          write(json, column, column.elementType(), element);
        }
        json.writeEndArray();
      }
      default -> json.writeString(value.toString()); // text, numeric, dates, times, uuid, interval
    }
  }
}
