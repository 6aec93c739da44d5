package dev.permafrost.exporter.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DumpParserTest {

  private static final Instant HOUR = Instant.parse("2026-11-20T13:00:00Z");

  @Test
  void writesCopyTextWithEscapesAndCountsWhatItSkips() throws Exception {
    String dump =
        "en C:\\dir\tTab 3 10\n" // a title with a backslash and a tab
            + "ja 東京 12 0\n"
            + "en too few\n"
            + "en Negative -1 0\n"
            + "en Big 99999999999 0\n"
            + "en Last_line_without_newline 1 0";
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    DumpParser.Counts counts =
        DumpParser.parse(
            new ByteArrayInputStream(dump.getBytes(StandardCharsets.UTF_8)),
            HOUR,
            (text, length) -> copy.write(text, 0, length));

    assertThat(counts.linesRead()).isEqualTo(6);
    assertThat(counts.linesSkipped()).isEqualTo(3);
    assertThat(counts.rows()).isEqualTo(3);
    assertThat(counts.malformedSample())
        .hasSize(3)
        .first()
        .asString()
        .startsWith("line 3 (3 fields instead of 4): en too few");
    assertThat(copy.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "2026-11-20 13:00:00+00\ten\tC:\\\\dir\\tTab\t3\t10\n"
                + "2026-11-20 13:00:00+00\tja\t東京\t12\t0\n"
                + "2026-11-20 13:00:00+00\ten\tLast_line_without_newline\t1\t0\n");
  }
}
