package dev.permafrost.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowDigestTest {

  private static final TableSchema SCHEMA =
      new TableSchema(
          List.of(
              new Column("id", ColumnType.BIGINT),
              new Column("path", ColumnType.TEXT),
              new Column("date", ColumnType.DATE)));

  private static final Object[] A = {1L, "/a", LocalDate.of(2026, 11, 20)};
  private static final Object[] B = {2L, "/b", LocalDate.of(2026, 11, 20)};
  private static final Object[] C = {3L, null, LocalDate.of(2026, 11, 21)};

  @Test
  void doesNotDependOnRowOrder() {
    assertThat(digest(A, B, C)).isEqualTo(digest(C, A, B));
  }

  @Test
  void subtractingTheRowsOfAPartLeavesTheDigestOfTheRest() {
    RowDigest all = new RowDigest(SCHEMA);
    for (Object[] row : List.of(C, A, B)) {
      all.add(row);
    }
    RowDigest part = new RowDigest(SCHEMA);
    part.add(C);
    all.subtract(part);
    assertThat(all.count()).isEqualTo(2);
    assertThat(all.hex()).isEqualTo(digest(A, B));
    RowDigest restored = RowDigest.of(SCHEMA, 2, all.hex());
    restored.add(C);
    assertThat(restored.hex()).isEqualTo(digest(A, B, C));
  }

  @Test
  void changesWhenARowIsDuplicatedDroppedOrAltered() {
    String original = digest(A, B);
    assertThat(digest(A, B, B)).isNotEqualTo(original);
    assertThat(digest(A)).isNotEqualTo(original);
    assertThat(digest(A, new Object[] {2L, "/B", LocalDate.of(2026, 11, 20)}))
        .isNotEqualTo(original);
  }

  @Test
  void tellsNullFromEmptyStringAndValuesFromNeighbouringColumns() {
    assertThat(digest(new Object[] {1L, null, null}))
        .isNotEqualTo(digest(new Object[] {1L, "", null}));
    TableSchema twoTexts =
        new TableSchema(
            List.of(new Column("a", ColumnType.TEXT), new Column("b", ColumnType.TEXT)));
    RowDigest ab = new RowDigest(twoTexts);
    ab.add(new Object[] {"ab", "c"});
    RowDigest a = new RowDigest(twoTexts);
    a.add(new Object[] {"a", "bc"});
    assertThat(ab.hex()).isNotEqualTo(a.hex());
  }

  @Test
  void countsRowsAndPrintsThirtyTwoHexDigits() {
    RowDigest digest = new RowDigest(SCHEMA);
    assertThat(digest.hex()).isEqualTo("0".repeat(32));
    digest.add(A);
    digest.add(B);
    assertThat(digest.count()).isEqualTo(2);
    assertThat(digest.hex()).matches("[0-9a-f]{32}");
  }

  private static String digest(Object[]... rows) {
    RowDigest digest = new RowDigest(SCHEMA);
    for (Object[] row : rows) {
      digest.add(row);
    }
    return digest.hex();
  }
}
