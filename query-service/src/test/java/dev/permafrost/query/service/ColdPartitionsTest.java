package dev.permafrost.query.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.permafrost.query.domain.ColdObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ColdPartitionsTest {

  private static final LocalDate MARCH = LocalDate.of(2026, 3, 1);

  @Test
  void aRangeHoldingEveryPartitionOfAMonthKeepsTheMonthWhole() {
    List<ColdObject> month = days(MARCH, 31);
    assertThat(
            ColdPartitions.keptPieces(month, start(MARCH.minusDays(3)), start(MARCH.plusDays(31))))
        .containsExactly(month);
  }

  @Test
  void aRangeHoldingPartOfAMonthKeepsTheWeeksItHoldsWholeAndTheDaysOfTheOthers() {
    List<ColdObject> month = days(MARCH, 31);
    // 5 to 23 March: days 5 to 7, the weeks 8-14 and 15-21, days 22 and 23.
    List<List<ColdObject>> pieces =
        ColdPartitions.keptPieces(month, start(MARCH.plusDays(4)), start(MARCH.plusDays(23)));
    assertThat(pieces)
        .extracting(ColdPartitionsTest::firstAndLastDay)
        .containsExactly("5..5", "6..6", "7..7", "8..14", "15..21", "22..22", "23..23");
  }

  @Test
  void theLastWeekOfAMonthRunsFromDay29ToItsEnd() {
    List<ColdObject> month = days(MARCH, 31);
    assertThat(
            ColdPartitions.keptPieces(month, start(MARCH.plusDays(28)), start(MARCH.plusDays(40))))
        .containsExactly(month.subList(28, 31));
  }

  @Test
  void hourlyPartitionsFallIntoTheirDaysAndAPartialDayIsNotKept() {
    List<ColdObject> hours = new ArrayList<>();
    for (int hour = 0; hour < 48; hour++) {
      Instant from = start(MARCH).plus(hour, ChronoUnit.HOURS);
      hours.add(object(from, from.plus(1, ChronoUnit.HOURS)));
    }
    // From 1 March 06:00 to the end of 2 March: only the second day is whole.
    assertThat(
            ColdPartitions.keptPieces(
                hours, start(MARCH).plus(6, ChronoUnit.HOURS), start(MARCH.plusDays(2))))
        .containsExactly(hours.subList(24, 48));
  }

  @Test
  void partitionsLongerThanADayAreKeptOnlyAsAWholeMonth() {
    List<ColdObject> month = List.of(object(start(MARCH), start(MARCH.plusMonths(1))));
    assertThat(
            ColdPartitions.keptPieces(month, start(MARCH.plusDays(1)), start(MARCH.plusDays(40))))
        .isEmpty();
    assertThat(ColdPartitions.keptPieces(month, start(MARCH), start(MARCH.plusMonths(1))))
        .containsExactly(month);
  }

  @Test
  void rowsAreReadInOneRangePerRunOfObjectsBetweenKeptOnesCutToTheQuestionsRange() {
    List<ColdObject> days = days(MARCH, 10);
    Set<String> kept = Set.of(days.get(3).sha256(), days.get(4).sha256(), days.get(9).sha256());
    Instant from = start(MARCH).plus(12, ChronoUnit.HOURS);
    assertThat(ColdPartitions.rowRanges(days, kept, from, start(MARCH.plusDays(20))))
        .containsExactly(
            new ColdPartitions.Range(from, start(MARCH.plusDays(3))),
            new ColdPartitions.Range(start(MARCH.plusDays(5)), start(MARCH.plusDays(9))));
    assertThat(ColdPartitions.rowRanges(days.subList(3, 5), kept, from, start(MARCH.plusDays(9))))
        .as("every object kept")
        .isEmpty();
  }

  private static List<ColdObject> days(LocalDate first, int count) {
    List<ColdObject> days = new ArrayList<>();
    for (int day = 0; day < count; day++) {
      days.add(object(start(first.plusDays(day)), start(first.plusDays(day + 1))));
    }
    return days;
  }

  private static ColdObject object(Instant from, Instant to) {
    return new ColdObject(
        UUID.randomUUID(), from.toString(), from, to, "key/" + from, "sha-" + from + "-" + to, 1);
  }

  private static Instant start(LocalDate day) {
    return day.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  private static String firstAndLastDay(List<ColdObject> piece) {
    return LocalDate.ofInstant(piece.get(0).partitionStart(), ZoneOffset.UTC).getDayOfMonth()
        + ".."
        + LocalDate.ofInstant(piece.get(piece.size() - 1).partitionStart(), ZoneOffset.UTC)
            .getDayOfMonth();
  }
}
