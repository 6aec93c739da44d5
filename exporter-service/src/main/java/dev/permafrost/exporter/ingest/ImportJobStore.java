package dev.permafrost.exporter.ingest;

import dev.permafrost.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/** Import jobs, their counters and each hour's outcome, committed as they happen. */
@ApplicationScoped
public class ImportJobStore {

  private static final String COLUMNS =
      "id, range_from, range_to, force, trigger, state, hours_total, hours_done, hours_imported,"
          + " hours_skipped, hours_not_published, hours_failed, lines_read, lines_skipped,"
          + " rows_loaded, bytes_downloaded, error, created_at, finished_at";

  private final DataSource dataSource;

  public ImportJobStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public ImportJob create(
      Instant from, Instant to, boolean force, ImportJob.Trigger trigger, int hours) {
    UUID id = UUID.randomUUID();
    Transactions.inTransaction(
        dataSource,
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO exporter.wikimedia_import_job (id, range_from, range_to, force,"
                      + " trigger, state, hours_total) VALUES (?, ?, ?, ?, ?, 'RUNNING', ?)")) {
            insert.setObject(1, id);
            insert.setTimestamp(2, Timestamp.from(from));
            insert.setTimestamp(3, Timestamp.from(to));
            insert.setBoolean(4, force);
            insert.setString(5, trigger.name());
            insert.setInt(6, hours);
            return insert.executeUpdate();
          }
        });
    return find(id).orElseThrow();
  }

  /** Records one handled hour and adds its figures to the job's counters. */
  public void hourDone(UUID jobId, HourImporter.HourResult result) {
    Transactions.inTransaction(
        dataSource,
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO exporter.wikimedia_import_hour (job_id, hour, outcome, rows_loaded,"
                      + " lines_read, lines_skipped, bytes_downloaded, detail)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setObject(1, jobId);
            insert.setTimestamp(2, Timestamp.from(result.hour()));
            insert.setString(3, result.outcome().name());
            insert.setLong(4, result.rowsLoaded());
            insert.setLong(5, result.linesRead());
            insert.setLong(6, result.linesSkipped());
            insert.setLong(7, result.bytesDownloaded());
            insert.setString(8, result.detail());
            insert.executeUpdate();
          }
          String outcomeCounter =
              switch (result.outcome()) {
                case IMPORTED -> "hours_imported";
                case SKIPPED -> "hours_skipped";
                case NOT_PUBLISHED -> "hours_not_published";
                case FAILED -> "hours_failed";
              };
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE exporter.wikimedia_import_job SET hours_done = hours_done + 1, "
                      + outcomeCounter
                      + " = "
                      + outcomeCounter
                      + " + 1, lines_read = lines_read + ?, lines_skipped = lines_skipped + ?,"
                      + " rows_loaded = rows_loaded + ?, bytes_downloaded = bytes_downloaded + ?"
                      + " WHERE id = ?")) {
            update.setLong(1, result.linesRead());
            update.setLong(2, result.linesSkipped());
            update.setLong(3, result.rowsLoaded());
            update.setLong(4, result.bytesDownloaded());
            update.setObject(5, jobId);
            return update.executeUpdate();
          }
        });
  }

  public void finished(UUID jobId, ImportJob.State state, String error) {
    Transactions.inTransaction(
        dataSource,
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE exporter.wikimedia_import_job SET state = ?, error = ?,"
                      + " finished_at = now() WHERE id = ?")) {
            update.setString(1, state.name());
            update.setString(2, error);
            update.setObject(3, jobId);
            return update.executeUpdate();
          }
        });
  }

  /** The job with each hour it handled so far. */
  public Optional<ImportJob> find(UUID id) {
    return Transactions.inSnapshot(
        dataSource,
        connection -> {
          List<ImportJob> found =
              jobs(
                  connection,
                  "SELECT " + COLUMNS + " FROM exporter.wikimedia_import_job WHERE id = ?",
                  id);
          if (found.isEmpty()) {
            return Optional.empty();
          }
          ImportJob job = found.get(0);
          return Optional.of(withHours(job, hours(connection, id)));
        });
  }

  /** The newest jobs first, without their hours. */
  public List<ImportJob> recent(int limit) {
    return Transactions.inSnapshot(
        dataSource,
        connection ->
            jobs(
                connection,
                "SELECT "
                    + COLUMNS
                    + " FROM exporter.wikimedia_import_job ORDER BY created_at DESC LIMIT ?",
                limit));
  }

  private static List<ImportJob> jobs(Connection connection, String sql, Object parameter)
      throws SQLException {
    List<ImportJob> jobs = new ArrayList<>();
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      select.setObject(1, parameter);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          Timestamp finished = rs.getTimestamp(19);
          jobs.add(
              new ImportJob(
                  rs.getObject(1, UUID.class),
                  rs.getTimestamp(2).toInstant(),
                  rs.getTimestamp(3).toInstant(),
                  rs.getBoolean(4),
                  ImportJob.Trigger.valueOf(rs.getString(5)),
                  ImportJob.State.valueOf(rs.getString(6)),
                  rs.getInt(7),
                  rs.getInt(8),
                  rs.getInt(9),
                  rs.getInt(10),
                  rs.getInt(11),
                  rs.getInt(12),
                  rs.getLong(13),
                  rs.getLong(14),
                  rs.getLong(15),
                  rs.getLong(16),
                  rs.getString(17),
                  rs.getTimestamp(18).toInstant(),
                  finished == null ? null : finished.toInstant(),
                  null));
        }
      }
    }
    return jobs;
  }

  private static List<HourImporter.HourResult> hours(Connection connection, UUID jobId)
      throws SQLException {
    List<HourImporter.HourResult> hours = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT hour, outcome, rows_loaded, lines_read, lines_skipped, bytes_downloaded,"
                + " detail"
                + " FROM exporter.wikimedia_import_hour WHERE job_id = ? ORDER BY hour")) {
      select.setObject(1, jobId);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          hours.add(
              new HourImporter.HourResult(
                  rs.getTimestamp(1).toInstant(),
                  HourImporter.Outcome.valueOf(rs.getString(2)),
                  rs.getLong(3),
                  rs.getLong(4),
                  rs.getLong(5),
                  rs.getLong(6),
                  rs.getString(7)));
        }
      }
    }
    return hours;
  }

  private static ImportJob withHours(ImportJob job, List<HourImporter.HourResult> hours) {
    return new ImportJob(
        job.id(),
        job.from(),
        job.to(),
        job.force(),
        job.trigger(),
        job.state(),
        job.hoursTotal(),
        job.hoursDone(),
        job.hoursImported(),
        job.hoursSkipped(),
        job.hoursNotPublished(),
        job.hoursFailed(),
        job.linesRead(),
        job.linesSkipped(),
        job.rowsLoaded(),
        job.bytesDownloaded(),
        job.error(),
        job.createdAt(),
        job.finishedAt(),
        hours);
  }
}
