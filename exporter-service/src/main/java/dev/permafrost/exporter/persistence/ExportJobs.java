package dev.permafrost.exporter.persistence;

import dev.permafrost.exporter.domain.ExportJob;
import dev.permafrost.support.jdbc.Transactions;
import jakarta.enterprise.context.ApplicationScoped;
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

/** Export jobs and their progress, each change committed at once so that callers see it. */
@ApplicationScoped
public class ExportJobs {

  private static final String COLUMNS =
      "id, dataset, range_from, range_to, state, partitions_total, partitions_done,"
          + " rows_exported, bytes_written, error, created_at, finished_at";

  private final DataSource dataSource;

  public ExportJobs(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public ExportJob create(String dataset, Instant from, Instant to, int partitions) {
    UUID id = UUID.randomUUID();
    Transactions.inTransaction(
        dataSource,
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO exporter.export_job (id, dataset, range_from, range_to, state,"
                      + " partitions_total) VALUES (?, ?, ?, ?, 'RUNNING', ?)")) {
            insert.setObject(1, id);
            insert.setString(2, dataset);
            insert.setTimestamp(3, Timestamp.from(from));
            insert.setTimestamp(4, Timestamp.from(to));
            insert.setInt(5, partitions);
            return insert.executeUpdate();
          }
        });
    return find(id).orElseThrow();
  }

  /** Adds one finished partition's figures to the job. */
  public void partitionDone(UUID id, long rows, long bytes) {
    update(
        "UPDATE exporter.export_job SET partitions_done = partitions_done + 1,"
            + " rows_exported = rows_exported + ?, bytes_written = bytes_written + ? WHERE id = ?",
        statement -> {
          statement.setLong(1, rows);
          statement.setLong(2, bytes);
          statement.setObject(3, id);
        });
  }

  public void succeeded(UUID id) {
    update(
        "UPDATE exporter.export_job SET state = 'SUCCEEDED', finished_at = now() WHERE id = ?",
        statement -> statement.setObject(1, id));
  }

  public void failed(UUID id, String error) {
    update(
        "UPDATE exporter.export_job SET state = 'FAILED', error = ?, finished_at = now()"
            + " WHERE id = ?",
        statement -> {
          statement.setString(1, error);
          statement.setObject(2, id);
        });
  }

  public Optional<ExportJob> find(UUID id) {
    List<ExportJob> found =
        query("SELECT " + COLUMNS + " FROM exporter.export_job WHERE id = ?", id);
    return found.stream().findFirst();
  }

  /** The newest jobs first. */
  public List<ExportJob> recent(int limit) {
    return query(
        "SELECT " + COLUMNS + " FROM exporter.export_job ORDER BY created_at DESC LIMIT ?", limit);
  }

  private List<ExportJob> query(String sql, Object parameter) {
    return Transactions.inTransaction(
        dataSource,
        connection -> {
          List<ExportJob> jobs = new ArrayList<>();
          try (PreparedStatement select = connection.prepareStatement(sql)) {
            select.setObject(1, parameter);
            try (ResultSet rs = select.executeQuery()) {
              while (rs.next()) {
                jobs.add(toJob(rs));
              }
            }
          }
          return jobs;
        });
  }

  private static ExportJob toJob(ResultSet rs) throws SQLException {
    Timestamp finished = rs.getTimestamp(12);
    return ExportJob.withPace(
        rs.getObject(1, UUID.class),
        rs.getString(2),
        rs.getTimestamp(3).toInstant(),
        rs.getTimestamp(4).toInstant(),
        ExportJob.State.valueOf(rs.getString(5)),
        rs.getInt(6),
        rs.getInt(7),
        rs.getLong(8),
        rs.getLong(9),
        rs.getString(10),
        rs.getTimestamp(11).toInstant(),
        finished == null ? null : finished.toInstant(),
        Instant.now());
  }

  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  private void update(String sql, Binder binder) {
    Transactions.inTransaction(
        dataSource,
        connection -> {
          try (PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            return statement.executeUpdate();
          }
        });
  }
}
