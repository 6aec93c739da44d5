package dev.permafrost.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.permafrost.devstack.DemoData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The operator commands against the real services, with three archived days of page views. The test
 * that damages a chunk runs last: an erasure or a restore reading that chunk must fail.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorCliIT {

  private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
  private static final LocalDate FIRST = TODAY.minusDays(10);

  private static PermafrostStack stack;

  /** What one command did. */
  private record Run(int exit, String out, String err) {}

  @BeforeAll
  static void archiveThreeDays() throws Exception {
    Path home = Path.of(System.getProperty("permafrost.home", "..")).toAbsolutePath().normalize();
    stack = PermafrostStack.start(home, Path.of("target", "cli"), Map.of(), Progress.silent());
    try (Connection connection = stack.devStack().connect()) {
      DemoData.createPageviewsTable(connection);
      DemoData.createOtherDatasetTables(connection);
      DemoData.loadPageviews(connection, FIRST, 5, 1_000, 1, 7);
    }
    StackSteps steps = new StackSteps(stack, Progress.silent());
    steps.export("pageviews", FIRST, FIRST.plusDays(3));
    steps.awaitActive("pageviews", 3);
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void statusShowsEachTierAndJsonForScripts() throws Exception {
    Run status = run("", "status", "pageviews");
    assertThat(status.exit()).isZero();
    assertThat(status.out())
        .contains("pageviews (public.pageviews)")
        .contains("partitions   hot 2  exported 0  verified 0  archived 3  restored 0  corrupt 0")
        .containsPattern("rows +hot [0-9,]+  cold [1-9][0-9,]*");

    Run json = run("", "status", "--json");
    assertThat(json.exit()).isZero();
    List<String> datasets = new ArrayList<>();
    new ObjectMapper().readTree(json.out()).forEach(s -> datasets.add(s.path("dataset").asText()));
    assertThat(datasets).contains("pageviews", "wiki_pageviews", "points");
  }

  @Test
  @Order(2)
  void anUnknownDatasetOrAServiceThatIsNotThereIsOneLineAndExit1() {
    Run unknown = run("", "status", "nosuch");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err().lines()).singleElement().asString().contains("nosuch");

    Run unreachable = run("", "status", "pageviews", "--archive-url", "http://127.0.0.1:9");
    assertThat(unreachable.exit()).isEqualTo(1);
    assertThat(unreachable.err())
        .startsWith("permafrost: http://127.0.0.1:9/api/v1/datasets/pageviews/status")
        .contains("unreachable");
  }

  @Test
  @Order(4)
  void aDryRunExportsNothingAndABackfillShowsItsJob() {
    String day = FIRST.plusDays(3).toString();
    String next = FIRST.plusDays(4).toString();
    Run plan = run("", "export", "pageviews", "--from", day, "--to", next, "--dry-run");
    assertThat(plan.exit()).as(plan.err()).isZero();
    assertThat(plan.out())
        .containsPattern(day + " +[1-9][0-9,]* rows  first chunk")
        .contains("1 partitions,", "nothing was exported (dry run)");
    assertThat(run("", "jobs").out()).doesNotContain(day + "T00:00:00Z..");

    Run export = run("", "export", "pageviews", "--from", day, "--to", next);
    assertThat(export.exit()).as(export.err()).isZero();
    String id = export.out().lines().findFirst().orElseThrow().replace("export job ", "");
    assertThat(export.out()).contains("1/1 partitions", "SUCCEEDED");
    // Archived before the next test looks: an erasure's dry run and the erasure see the same tiers.
    new StackSteps(stack, Progress.silent()).awaitActive("pageviews", 4);
    assertThat(run("", "jobs").out()).contains(id + "  pageviews");
    Run watched = run("", "jobs", "watch", id);
    assertThat(watched.exit()).isZero();
    assertThat(watched.out()).contains("[####################] 1/1 partitions");

    Run open = run("", "export", "pageviews", "--from", day, "--to", TODAY.plusDays(1).toString());
    assertThat(open.exit()).isEqualTo(1);
    assertThat(open.err()).contains("reaches into the open partition");
  }

  @Test
  @Order(3)
  void queryAndDdlAnswerAsText() {
    Run top =
        run(
            "",
            "query",
            "pageviews",
            "top",
            "--column",
            "path",
            "--n",
            "3",
            "--tenant",
            "1",
            "--from",
            FIRST.toString(),
            "--to",
            FIRST.plusDays(4).toString());
    assertThat(top.exit()).isZero();
    assertThat(top.out().lines().toList())
        .hasSize(4)
        .first()
        .asString()
        .matches("path +sum_view_count");

    Run ddl = run("", "ddl", "pageviews", "--engine", "duckdb");
    assertThat(ddl.exit()).isZero();
    assertThat(ddl.out()).contains("read_parquet");
  }

  @Test
  @Order(5)
  void aDeclinedRestoreChangesNothingAndAConfirmedOneBringsTheRowsBack() throws Exception {
    String day = FIRST.plusDays(1).toString();
    String next = FIRST.plusDays(2).toString();
    Run declined = run("n\n", "restore", "pageviews", "--from", day, "--to", next);
    assertThat(declined.exit()).isEqualTo(1);
    assertThat(declined.err()).contains("Restore pageviews " + day + ".." + next + ": 1 archived");
    assertThat(declined.err()).contains("restore declined at the prompt; nothing was changed");
    assertThat(hotRows(day)).isZero();

    String hotDay = TODAY.minusDays(1).toString();
    Run nothing = run("", "restore", "pageviews", "--from", hotDay, "--to", TODAY.toString());
    assertThat(nothing.exit()).isEqualTo(1);
    assertThat(nothing.err()).contains("is archived; nothing to restore");

    Run restored = run("", "restore", "pageviews", "--from", day, "--to", next, "--yes");
    assertThat(restored.exit()).as(restored.err()).isZero();
    assertThat(restored.out()).contains("restored 1 chunk(s)");
    assertThat(hotRows(day)).isPositive();
  }

  @Test
  @Order(6)
  void anErasureNamesWhatGoesAndADeclinedOneChangesNothing() throws Exception {
    long hot =
        stack.devStack().queryLong("SELECT count(*) FROM public.pageviews WHERE project_id = 5");
    assertThat(hot).isPositive();

    Run declined = run("no\n", "purge-tenant", "5", "--dataset", "pageviews");
    assertThat(declined.exit()).isEqualTo(1);
    assertThat(declined.out())
        .containsPattern(
            "pageviews +" + String.format("%,d", hot) + " hot rows; [1-9][0-9,]* rows in")
        .containsPattern("    rewrite +cold/pageviews/year=");
    assertThat(declined.err())
        .contains("Erase tenant 5 as listed above? This cannot be undone. [y/N]");
    assertThat(declined.err()).contains("erasure declined at the prompt; nothing was changed");
    assertThat(
            stack
                .devStack()
                .queryLong("SELECT count(*) FROM public.pageviews WHERE project_id = 5"))
        .isEqualTo(hot);

    Run erased = run("yes\n", "purge-tenant", "5", "--dataset", "pageviews");
    assertThat(erased.exit()).as(erased.err()).isZero();
    assertThat(erased.out())
        .containsPattern("erasure [0-9a-f-]{36} of tenant 5")
        .containsPattern("pageviews +[0-9,]+ hot rows and [1-9][0-9,]* cold rows deleted");
    assertThat(
            stack
                .devStack()
                .queryLong("SELECT count(*) FROM public.pageviews WHERE project_id = 5"))
        .isZero();
  }

  @Test
  @Order(7)
  void verifyExitsWith1WhenAChunkIsDamaged() {
    String from = FIRST.toString();
    String to = FIRST.plusDays(1).toString();
    Run intact = run("", "verify", "pageviews", "--from", from, "--to", to);
    assertThat(intact.exit()).isZero();
    assertThat(intact.out()).startsWith("OK   " + from).contains("1 chunk(s) intact, 0 damaged");
    Run ofTenant = run("", "verify", "pageviews", "--from", from, "--to", to, "--tenant", "1");
    assertThat(ofTenant.exit()).isZero();
    assertThat(ofTenant.out()).contains("1 chunk(s) intact, 0 damaged");
    Run noSuchTenant =
        run("", "verify", "pageviews", "--from", from, "--to", to, "--tenant", "424242");
    assertThat(noSuchTenant.out()).isEqualTo("0 chunk(s) intact, 0 damaged\n");

    // The chunk as it is now: an erasure may have replaced the one archived at the start.
    JsonNode first = null;
    for (JsonNode chunk :
        new RestClient().get(stack.archiveUrl() + "/api/v1/datasets/pageviews/chunks")) {
      if (chunk.path("partition").asText().equals(from)
          && chunk.path("state").asText().equals("ACTIVE")) {
        first = chunk;
      }
    }
    assertThat(first).as("the ACTIVE chunk of " + from).isNotNull();
    try (S3Client s3 = stack.devStack().s3Client()) {
      s3.putObject(
          PutObjectRequest.builder()
              .bucket("permafrost")
              .key(first.path("objects").get(0).path("key").asText())
              .build(),
          RequestBody.fromString("not parquet"));
    }
    Run damaged = run("", "verify", "pageviews", "--from", from, "--to", to);
    assertThat(damaged.exit()).isEqualTo(1);
    assertThat(damaged.out()).startsWith("BAD  " + from).contains("0 chunk(s) intact, 1 damaged");
  }

  private static long hotRows(String day) throws Exception {
    return stack
        .devStack()
        .queryLong("SELECT count(*) FROM public.pageviews WHERE date = '" + day + "'");
  }

  private static Run run(String input, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> withUrls = new ArrayList<>(List.of(args));
    if (!withUrls.contains("--archive-url")) {
      withUrls.addAll(List.of("--archive-url", stack.archiveUrl()));
    }
    withUrls.addAll(
        List.of("--query-url", stack.queryUrl(), "--exporter-url", stack.exporterUrl()));
    InputStream in = new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8));
    int exit =
        OperatorCli.run(
            withUrls.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            in);
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
