package dev.permafrost.devstack;

import java.io.IOException;
import java.io.Reader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.Random;
import org.postgresql.PGConnection;

/**
 * The demo dataset {@code pageviews}: one row per project, path and day, with a few big projects
 * and a long tail, loaded with COPY.
 */
public final class DemoData {

  /** Projects in the demo; project 1 is the biggest. */
  public static final int PROJECTS = 100;

  public static final String PAGEVIEWS_DDL =
      """
      CREATE TABLE IF NOT EXISTS public.pageviews (
          id           bigint  PRIMARY KEY,
          project_id   integer NOT NULL,
          version_slug text,
          path         text    NOT NULL,
          view_count   integer NOT NULL,
          date         date    NOT NULL
      );
      CREATE INDEX IF NOT EXISTS pageviews_date ON public.pageviews (date);
      CREATE INDEX IF NOT EXISTS pageviews_project_date ON public.pageviews (project_id, date);
      """;

  /** The tables of the other demo datasets, one per kind of user; created empty. */
  public static final String OTHER_DATASETS_DDL =
      """
      CREATE TABLE IF NOT EXISTS public.points (
          id            bigint           PRIMARY KEY,
          user_id       bigint           NOT NULL,
          recorded_at   timestamptz      NOT NULL,
          lat           double precision NOT NULL,
          lon           double precision NOT NULL,
          raw_data      jsonb,
          archive_chunk uuid
      );
      CREATE TABLE IF NOT EXISTS public.agent_tasks (
          id          bigint      PRIMARY KEY,
          agent       text        NOT NULL,
          status      text        NOT NULL,
          created_at  timestamptz NOT NULL,
          duration_ms bigint      NOT NULL,
          payload     jsonb
      );
      CREATE TABLE IF NOT EXISTS public.wiki_pageviews (
          id     bigserial   PRIMARY KEY,
          hour   timestamptz NOT NULL,
          domain text        NOT NULL,
          page   text        NOT NULL,
          views  integer     NOT NULL,
          bytes  bigint      NOT NULL
      );
      CREATE TABLE IF NOT EXISTS public.logs (
          id      bigint      PRIMARY KEY,
          ts      timestamptz NOT NULL,
          level   text        NOT NULL,
          service text        NOT NULL,
          body    text        NOT NULL
      );
      """;

  private static final String[] VERSIONS = {"latest", "stable", "v1", "v2", "v3", null};

  private DemoData() {}

  public static void createPageviewsTable(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(PAGEVIEWS_DDL);
    }
  }

  /** Creates the empty tables of points, agent_tasks, wiki_pageviews and logs. */
  public static void createOtherDatasetTables(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(OTHER_DATASETS_DDL);
    }
  }

  /**
   * Loads about {@code rowsPerDay} rows for each of {@code days} days from {@code firstDay}.
   *
   * @param firstId the id of the first row; ids increase by one per row
   * @return the number of rows loaded
   */
  public static long loadPageviews(
      Connection connection, LocalDate firstDay, int days, int rowsPerDay, long firstId, long seed)
      throws SQLException, IOException {
    PGConnection pg = connection.unwrap(PGConnection.class);
    PageviewRows rows = new PageviewRows(firstDay, days, rowsPerDay, firstId, new Random(seed));
    return pg.getCopyAPI()
        .copyIn(
            "COPY public.pageviews (id, project_id, version_slug, path, view_count, date)"
                + " FROM STDIN (FORMAT text)",
            rows);
  }

  /** Paths of project p: a Zipf-like share of the day's rows, so that project 1 is the biggest. */
  static int pathsOfProject(int project, int rowsPerDay) {
    double harmonic = 0;
    for (int p = 1; p <= PROJECTS; p++) {
      harmonic += 1.0 / p;
    }
    return Math.max(1, (int) Math.round(rowsPerDay / (harmonic * project)));
  }

  /** Generates COPY text lazily, a day at a time, so that memory stays flat. */
  private static final class PageviewRows extends Reader {
    private final LocalDate firstDay;
    private final int days;
    private final int rowsPerDay;
    private final Random random;
    private final int[] pathsPerProject = new int[PROJECTS + 1];
    private long nextId;
    private int day;
    private int project = 1;
    private int path;
    private final StringBuilder pending = new StringBuilder();
    private int pendingOffset;

    PageviewRows(LocalDate firstDay, int days, int rowsPerDay, long firstId, Random random) {
      this.firstDay = firstDay;
      this.days = days;
      this.rowsPerDay = rowsPerDay;
      this.random = random;
      this.nextId = firstId;
      for (int p = 1; p <= PROJECTS; p++) {
        pathsPerProject[p] = pathsOfProject(p, rowsPerDay);
      }
    }

    @Override
    public int read(char[] buffer, int offset, int length) {
      while (pending.length() - pendingOffset < length && day < days) {
        appendRow();
      }
      int available = pending.length() - pendingOffset;
      if (available == 0) {
        return -1;
      }
      int n = Math.min(length, available);
      pending.getChars(pendingOffset, pendingOffset + n, buffer, offset);
      pendingOffset += n;
      if (pendingOffset > 1 << 16) {
        pending.delete(0, pendingOffset);
        pendingOffset = 0;
      }
      return n;
    }

    private void appendRow() {
      String version = VERSIONS[random.nextInt(VERSIONS.length)];
      // Views fall off with the path's rank and the project's size, like real documentation sites.
      int views = 1 + (int) (random.nextInt(1000) / (1.0 + path * 0.01) / Math.sqrt(project));
      pending
          .append(nextId++)
          .append('\t')
          .append(project)
          .append('\t')
          .append(version == null ? "\\N" : version)
          .append('\t')
          .append("/docs/page-")
          .append(path)
          .append('\t')
          .append(views)
          .append('\t')
          .append(firstDay.plusDays(day))
          .append('\n');
      if (++path >= pathsPerProject[project]) {
        path = 0;
        if (++project > PROJECTS) {
          project = 1;
          day++;
        }
      }
    }

    @Override
    public void close() throws IOException {}
  }
}
