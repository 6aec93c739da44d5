package dev.permafrost.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** COPY text that PostgreSQL reads back as the same values; RestoreIT loads it for real. */
class CopyTextTest {

  @Test
  void escapesCopySpecialCharactersAndWritesNullAsBackslashN() {
    TableSchema schema =
        new TableSchema(
            List.of(
                new Column("t", ColumnType.TEXT),
                new Column("b", ColumnType.BYTEA),
                new Column("n", ColumnType.TEXT)));
    StringBuilder line = new StringBuilder();
    CopyText.appendRow(line, schema, new Object[] {"a\tb\nc\\d", new byte[] {0, 92}, null});
    assertThat(line).hasToString("a\\tb\\nc\\\\d\t\\\\x005c\t\\N\n");
  }

  @Test
  void writesArraysWithQuotedElementsAndUnquotedNulls() {
    Column texts = new Column("texts", ColumnType.ARRAY, ColumnType.TEXT);
    StringBuilder out = new StringBuilder();
    CopyText.appendValue(out, texts, Arrays.asList("a\"b", null, "NULL", "c\\d", ""));
    // Array quoting first ("a\"b"), then COPY's escaping of each backslash.
    assertThat(out).hasToString("{\"a\\\\\"b\",NULL,\"NULL\",\"c\\\\\\\\d\",\"\"}");
  }

  @Test
  void writesDatesBeforeYearOneWithPostgresqlsEraAndTimestampsInUtc() {
    assertThat(CopyText.text(ColumnType.DATE, LocalDate.of(-43, 3, 15))).isEqualTo("0044-03-15 BC");
    assertThat(CopyText.text(ColumnType.TIMESTAMP, LocalDateTime.of(0, 1, 1, 12, 0)))
        .isEqualTo("0001-01-01 12:00:00.000000 BC");
    assertThat(CopyText.text(ColumnType.TIMESTAMPTZ, Instant.parse("1969-12-31T23:59:59.5Z")))
        .isEqualTo("1969-12-31 23:59:59.500000+00");
    assertThat(CopyText.text(ColumnType.INTERVAL, new PgInterval(-1, -2, -500_000)))
        .isEqualTo("-1 mons -2 days -0.500000 secs");
  }

  @Test
  void writesGeometryAsHexWkbWithTheColumnsSrid() {
    StringBuilder out = new StringBuilder();
    CopyText.appendValue(out, Column.geometry("shape", 4326), new byte[] {1, 2});
    assertThat(out).hasToString("SRID=4326;0102");
  }
}
