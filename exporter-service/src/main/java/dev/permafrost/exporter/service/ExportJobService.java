package dev.permafrost.exporter.service;

import dev.permafrost.exporter.config.ExporterConfig;
import dev.permafrost.exporter.domain.ExportJob;
import dev.permafrost.exporter.domain.ExportedChunk;
import dev.permafrost.exporter.persistence.ExportJobs;
import dev.permafrost.exporter.persistence.ExportedPartitions;
import dev.permafrost.format.ColumnType;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.TableSchema;
import dev.permafrost.format.TimeBounds;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.rest.ProblemException;
import dev.permafrost.support.rest.TimeRange;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/** Starts export jobs over time ranges and runs them in the background, partition by partition. */
@ApplicationScoped
public class ExportJobService {

  /** More partitions than this in one job is almost certainly a typo in the range. */
  static final int MAX_PARTITIONS_PER_JOB = 10_000;

  private static final Logger LOG = Logger.getLogger(ExportJobService.class);

  private final Datasets datasets;
  private final ExportJobs jobs;
  private final PartitionExportService partitionExport;
  private final ExecutorService workers;
  private final Clock clock = Clock.systemUTC();
  private final MeterRegistry metrics;
  private final DataSource dataSource;
  private final ExportedPartitions exportedPartitions;

  public ExportJobService(
      Datasets datasets,
      ExportJobs jobs,
      PartitionExportService partitionExport,
      ExporterConfig config,
      MeterRegistry metrics,
      DataSource dataSource,
      ExportedPartitions exportedPartitions) {
    this.metrics = metrics;
    this.dataSource = dataSource;
    this.exportedPartitions = exportedPartitions;
    this.datasets = datasets;
    this.jobs = jobs;
    this.partitionExport = partitionExport;
    this.workers = Executors.newFixedThreadPool(config.concurrentJobs());
  }

  /**
   * Validates a request and starts a job that exports every partition overlapping [from, to),
   * restored ones included: asking for an export is asking to archive them again.
   *
   * @param from a date ({@code 2026-11-20}) or an instant ({@code 2026-11-20T13:00:00Z})
   * @throws ProblemException 400 naming what is wrong and what is allowed; nothing is started
   */
  public ExportJob start(String datasetName, String from, String to) {
    DatasetDefinition dataset = datasets.requireInRequest(datasetName);
    TimeRange range = TimeRange.parse(from, to);
    List<Instant> partitions = requestedPartitions(dataset, range, to);
    ExportJob job = jobs.create(dataset.name(), range.from(), range.to(), partitions.size());
    workers.submit(() -> run(job, dataset, partitions, true));
    return job;
  }

  /**
   * What {@link #start} would do with the same request, without doing it: each partition with its
   * hot rows now and the chunks it has, so that an operator sees what a backfill would export.
   *
   * @throws ProblemException 400 for a request {@link #start} would refuse
   */
  public List<PlannedPartition> plan(String datasetName, String from, String to) {
    DatasetDefinition dataset = datasets.requireInRequest(datasetName);
    TimeRange range = TimeRange.parse(from, to);
    List<Instant> partitions = requestedPartitions(dataset, range, to);
    return Transactions.inSnapshot(
        dataSource,
        connection -> {
          TableSchema schema = PgTables.readSchema(connection, dataset.table());
          ColumnType timeType = schema.column(schema.indexOf(dataset.timeColumn())).type();
          String time = DatasetDefinition.quote(dataset.timeColumn());
          List<PlannedPartition> planned = new ArrayList<>();
          try (PreparedStatement count =
              connection.prepareStatement(
                  "SELECT count(*) FROM "
                      + dataset.table()
                      + " WHERE "
                      + time
                      + " >= ? AND "
                      + time
                      + " < ?")) {
            for (Instant partition : partitions) {
              TimeBounds.bind(count, 1, timeType, partition);
              TimeBounds.bind(count, 2, timeType, dataset.grain().end(partition));
              String name = dataset.grain().partitionName(partition);
              try (ResultSet rs = count.executeQuery()) {
                rs.next();
                planned.add(
                    new PlannedPartition(
                        name,
                        partition,
                        rs.getLong(1),
                        exportedPartitions.chunks(connection, dataset.name(), name).size()));
              }
            }
          }
          return planned;
        });
  }

  /**
   * A partition of an export plan.
   *
   * @param hotRows its rows in PostgreSQL now: what an export would write, as its first chunk when
   *     it has none, else as its next chunk once its earlier chunks are archived
   * @param chunks chunks the exporter wrote for it before
   */
  public record PlannedPartition(String partition, Instant start, long hotRows, int chunks) {}

  /** The closed partitions of a request's range, or a 400 saying why the range is refused. */
  private List<Instant> requestedPartitions(DatasetDefinition dataset, TimeRange range, String to) {
    Instant open = dataset.grain().start(clock.instant());
    if (range.to().isAfter(open)) {
      throw ProblemException.badRequest(
          "to ("
              + to
              + ") reaches into the open partition "
              + dataset.grain().partitionName(open)
              + "; only closed partitions can be exported, so to must be at most "
              + open);
    }
    List<Instant> partitions = partitionsOverlapping(dataset, range.from(), range.to());
    if (partitions.size() > MAX_PARTITIONS_PER_JOB) {
      throw ProblemException.badRequest(
          "the range covers "
              + partitions.size()
              + " partitions; at most "
              + MAX_PARTITIONS_PER_JOB
              + " are allowed in one job");
    }
    return partitions;
  }

  /**
   * Starts a job over the part of [from, to) older than the dataset's hot retention after rows were
   * imported into it, so that archived partitions get their late rows as a next chunk. An import
   * into the hot window needs nothing now: its rows are exported when they are due, like every
   * other row of their partition.
   *
   * @param reArchiveRestored whether a restored partition is archived again too: only when the
   *     import replaced its rows on purpose, as a forced Wikimedia import does; an application's
   *     late rows leave a restored partition hot, as whoever restored it wanted
   * @return the (first) job, or empty if no part of the range is due
   */
  public Optional<ExportJob> startAfterImport(
      String datasetName, Instant from, Instant to, boolean reArchiveRestored) {
    DatasetDefinition dataset = datasets.requireInRequest(datasetName);
    Instant due = dueBefore(dataset);
    Instant end = to.isAfter(due) ? due : to;
    if (!from.isBefore(end)) {
      return Optional.empty();
    }
    return Optional.of(startInBatches(dataset, from, end, reArchiveRestored).get(0));
  }

  /** Starts a job for every closed partition older than the dataset's hot retention. */
  public void startDueExport(DatasetDefinition dataset, Instant oldestRow) {
    Instant start = dataset.grain().start(oldestRow);
    Instant end = dueBefore(dataset);
    if (start.isBefore(end)) {
      startInBatches(dataset, start, end, false);
    }
  }

  /** The start of the oldest partition still within the hot retention: those before it are due. */
  private Instant dueBefore(DatasetDefinition dataset) {
    return dataset.grain().start(clock.instant().minus(dataset.hotRetention()));
  }

  /**
   * Starts one job per {@link #MAX_PARTITIONS_PER_JOB} partitions of [from, to), oldest first.
   *
   * @param reArchiveRestored whether restored partitions are archived again (asked-for exports)
   */
  private List<ExportJob> startInBatches(
      DatasetDefinition dataset, Instant from, Instant to, boolean reArchiveRestored) {
    List<ExportJob> started = new ArrayList<>();
    Instant batchStart = dataset.grain().start(from);
    while (batchStart.isBefore(to)) {
      List<Instant> partitions = partitionsOverlapping(dataset, batchStart, to);
      List<Instant> batch =
          partitions.subList(0, Math.min(partitions.size(), MAX_PARTITIONS_PER_JOB));
      Instant batchEnd = dataset.grain().end(batch.get(batch.size() - 1));
      ExportJob job =
          jobs.create(
              dataset.name(), batchStart, batchEnd.isAfter(to) ? to : batchEnd, batch.size());
      List<Instant> frozen = List.copyOf(batch);
      workers.submit(() -> run(job, dataset, frozen, reArchiveRestored));
      started.add(job);
      batchStart = batchEnd;
    }
    return started;
  }

  private void run(
      ExportJob job,
      DatasetDefinition dataset,
      List<Instant> partitions,
      boolean reArchiveRestored) {
    try {
      for (Instant partition : partitions) {
        ExportedChunk chunk = partitionExport.export(dataset, partition, reArchiveRestored);
        jobs.partitionDone(
            job.id(),
            chunk.alreadyExported() ? 0 : chunk.rows(),
            chunk.alreadyExported() ? 0 : chunk.bytes());
      }
      jobs.succeeded(job.id());
    } catch (Throwable e) {
      LOG.errorf(e, "export job %s of %s failed", job.id(), dataset.name());
      metrics.counter("permafrost.export.failures", "dataset", dataset.name()).increment();
      jobs.failed(job.id(), e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /**
   * The starts of the partitions overlapping [from, to), at most one more than {@link
   * #MAX_PARTITIONS_PER_JOB}: enough to tell a range that is too long for one job.
   */
  static List<Instant> partitionsOverlapping(DatasetDefinition dataset, Instant from, Instant to) {
    List<Instant> partitions = new ArrayList<>();
    for (Instant p = dataset.grain().start(from);
        p.isBefore(to) && partitions.size() <= MAX_PARTITIONS_PER_JOB;
        p = dataset.grain().end(p)) {
      partitions.add(p);
    }
    return partitions;
  }

  @PreDestroy
  void stop() {
    workers.shutdownNow();
  }
}
