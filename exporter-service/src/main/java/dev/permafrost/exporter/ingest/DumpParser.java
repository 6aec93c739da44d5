package dev.permafrost.exporter.ingest;

import dev.permafrost.format.CopyText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the lines of a page-view dump, {@code domain_code page_title count_views
 * total_response_size}, into COPY text rows {@code hour, domain, page, views, bytes}. A line that
 * is not four space-separated fields, has a count that is not a positive integer, or is not valid
 * UTF-8 is counted and skipped, and the first few are kept as a sample for the log.
 */
final class DumpParser {

  /** Malformed lines kept for the log, per file. */
  static final int SAMPLE_SIZE = 5;

  /** Receives COPY text in pieces of a few tens of kilobytes. */
  @FunctionalInterface
  interface CopySink {
    void write(byte[] copyText, int length) throws IOException;
  }

  /** What one file held. */
  record Counts(long linesRead, long linesSkipped, long rows, List<String> malformedSample) {}

  private static final int FLUSH_CHARS = 64 * 1024;

  private final String hourText;
  private final CharsetDecoder utf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final StringBuilder copyText = new StringBuilder(FLUSH_CHARS + 4096);
  private final List<String> sample = new ArrayList<>();
  private long linesRead;
  private long linesSkipped;
  private long rows;

  private DumpParser(Instant hour) {
    // COPY reads a timestamptz in ISO form with an explicit UTC offset.
    this.hourText = hour.toString().replace('T', ' ').replace("Z", "+00");
  }

  /**
   * Parses an uncompressed dump read from {@code lines}, writing its valid rows to {@code sink}.
   */
  static Counts parse(InputStream lines, Instant hour, CopySink sink) throws IOException {
    DumpParser parser = new DumpParser(hour);
    ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    byte[] buffer = new byte[64 * 1024];
    for (int n = lines.read(buffer); n >= 0; n = lines.read(buffer)) {
      int start = 0;
      for (int i = 0; i < n; i++) {
        if (buffer[i] == '\n') {
          line.write(buffer, start, i - start);
          parser.line(line.toByteArray(), sink);
          line.reset();
          start = i + 1;
        }
      }
      line.write(buffer, start, n - start);
    }
    if (line.size() > 0) {
      parser.line(line.toByteArray(), sink);
    }
    parser.flush(sink);
    return new Counts(
        parser.linesRead, parser.linesSkipped, parser.rows, List.copyOf(parser.sample));
  }

  private void line(byte[] bytes, CopySink sink) throws IOException {
    linesRead++;
    String text;
    try {
      text = utf8.decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      skip(new String(bytes, StandardCharsets.UTF_8), "not valid UTF-8");
      return;
    }
    String[] fields = text.split(" ", -1);
    if (fields.length != 4) {
      skip(text, fields.length + " fields instead of 4");
      return;
    }
    String domain = fields[0];
    String page = fields[1];
    if (domain.isEmpty() || page.isEmpty() || text.indexOf('\0') >= 0) {
      skip(text, "an empty domain or title, or a NUL character");
      return;
    }
    long views = number(fields[2]);
    long responseBytes = number(fields[3]);
    if (views <= 0 || views > Integer.MAX_VALUE || responseBytes < 0) {
      skip(text, "count_views must be 1.." + Integer.MAX_VALUE + ", total_response_size >= 0");
      return;
    }
    copyText.append(hourText).append('\t');
    CopyText.escape(copyText, domain);
    copyText.append('\t');
    CopyText.escape(copyText, page);
    copyText.append('\t').append(views).append('\t').append(responseBytes).append('\n');
    rows++;
    if (copyText.length() >= FLUSH_CHARS) {
      flush(sink);
    }
  }

  /** The value of a field of ASCII digits, or -1. */
  private static long number(String field) {
    if (field.isEmpty() || field.length() > 18) {
      return -1;
    }
    long value = 0;
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private void skip(String line, String why) {
    linesSkipped++;
    if (sample.size() < SAMPLE_SIZE) {
      String shown = line.length() > 200 ? line.substring(0, 200) + "..." : line;
      sample.add("line " + linesRead + " (" + why + "): " + shown);
    }
  }

  private void flush(CopySink sink) throws IOException {
    if (copyText.length() > 0) {
      byte[] bytes = copyText.toString().getBytes(StandardCharsets.UTF_8);
      sink.write(bytes, bytes.length);
      copyText.setLength(0);
    }
  }
}
