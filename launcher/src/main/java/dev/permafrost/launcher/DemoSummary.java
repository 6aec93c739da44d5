package dev.permafrost.launcher;

import java.io.PrintStream;
import java.util.List;

/**
 * What a demo run did, for people (print) and tests (fields).
 *
 * @param postgresBytes size of the table and its indexes with every row still hot
 * @param parquetBytes size of the ACTIVE chunks' objects
 * @param answerBefore the dashboard answer before archiving, as JSON
 */
record DemoSummary(
    long rowsLoaded,
    long rowsHot,
    long rowsCold,
    int chunksActive,
    String firstArchivedDay,
    String lastArchivedDay,
    long postgresBytes,
    long parquetBytes,
    String dashboardQuery,
    String answerBefore,
    String answerAfter,
    WikimediaDemo.Result wikimedia,
    List<String> swaggerUrls) {

  boolean answersEqual() {
    return answerBefore.equals(answerAfter);
  }

  void print(PrintStream out) {
    double postgresPerRow = (double) postgresBytes / rowsLoaded;
    double parquetPerRow = rowsCold == 0 ? 0 : (double) parquetBytes / rowsCold;
    out.println();
    out.println("Permafrost demo summary");
    out.printf("  rows loaded          %,d page views%n", rowsLoaded);
    out.printf("  rows hot (Postgres)  %,d%n", rowsHot);
    out.printf(
        "  rows cold (Parquet)  %,d in %d ACTIVE chunks (%s .. %s)%n",
        rowsCold, chunksActive, firstArchivedDay, lastArchivedDay);
    out.printf(
        "  PostgreSQL bytes     %,d for all rows (table + indexes), %.1f bytes/row%n",
        postgresBytes, postgresPerRow);
    out.printf(
        "  Parquet bytes        %,d for the cold rows, %.1f bytes/row (%.1fx smaller per row)%n",
        parquetBytes, parquetPerRow, parquetPerRow == 0 ? 0 : postgresPerRow / parquetPerRow);
    out.println("  dashboard query      " + dashboardQuery);
    out.println("    before archiving   " + abbreviate(answerBefore));
    out.println("    after archiving    " + abbreviate(answerAfter));
    out.println("    identical          " + (answersEqual() ? "yes" : "NO"));
    wikimedia.print(out);
    out.println("  Swagger UI");
    swaggerUrls.forEach(url -> out.println("    " + url));
  }

  private static String abbreviate(String json) {
    return json.length() <= 100 ? json : json.substring(0, 97) + "...";
  }
}
