package dev.permafrost.exporter.ingest;

import dev.permafrost.contracts.EventEnvelope;
import dev.permafrost.contracts.v1.ImportCompleted;
import dev.permafrost.exporter.config.ExporterConfig;
import dev.permafrost.exporter.persistence.ArchiveCatalog;
import dev.permafrost.exporter.persistence.PartitionLeases;
import dev.permafrost.exporter.service.ExportJobService;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.support.config.Datasets;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.messaging.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.InputStream;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import javax.sql.DataSource;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Imports one hour's dump into the dataset's table. The rows, the record that the hour is imported
 * and the {@code import-completed} event commit in one transaction, so an hour is either fully
 * loaded and announced or not touched at all; the event makes an hour that is archived already get
 * its new rows as a next chunk.
 */
@ApplicationScoped
public class HourImporter {

  private static final Logger LOG = Logger.getLogger(HourImporter.class);

  /** What happened to an hour. */
  public enum Outcome {
    IMPORTED,
    /** Imported before, and the import was not forced. */
    SKIPPED,
    /** The dump is not on the server yet: to be tried again later, not an error. */
    NOT_PUBLISHED,
    FAILED
  }

  /** One hour's result; {@code detail} says why an hour was skipped, not published or failed. */
  public record HourResult(
      Instant hour,
      Outcome outcome,
      long rowsLoaded,
      long linesRead,
      long linesSkipped,
      long bytesDownloaded,
      String detail) {

    static HourResult of(Instant hour, Outcome outcome, long bytesDownloaded, String detail) {
      return new HourResult(hour, outcome, 0, 0, 0, bytesDownloaded, detail);
    }
  }

  private final DataSource dataSource;
  private final Datasets datasets;
  private final String datasetName;
  private final DumpDownloader downloader;
  private final ArchiveCatalog catalog;
  private final PartitionLeases leases;
  private final ExportJobService exportJobs;
  private final Outbox outbox;

  public HourImporter(
      DataSource dataSource,
      Datasets datasets,
      ExporterConfig config,
      DumpDownloader downloader,
      ArchiveCatalog catalog,
      PartitionLeases leases,
      ExportJobService exportJobs,
      Outbox outbox) {
    this.dataSource = dataSource;
    this.datasets = datasets;
    this.datasetName = config.wikimedia().dataset();
    this.downloader = downloader;
    this.catalog = catalog;
    this.leases = leases;
    this.exportJobs = exportJobs;
    this.outbox = outbox;
  }

  /**
   * Downloads and loads {@code hour} unless it was imported before. A forced import downloads the
   * dump again, even if cached, and replaces the hour's rows; it is refused while any of them are
   * in the store, as replacing hot rows would leave the archived ones doubled: restore the hour
   * first.
   */
  public HourResult importHour(Instant hour, boolean force) throws InterruptedException {
    DatasetDefinition dataset = datasets.find(datasetName);
    if (!force && isImported(hour)) {
      return HourResult.of(hour, Outcome.SKIPPED, 0, "imported before");
    }
    if (force) {
      // Checked before the download too, so that a refused import leaves the cached file alone.
      Optional<String> refusal =
          Transactions.inTransaction(
              dataSource, connection -> replaceRefusal(connection, dataset, hour));
      if (refusal.isPresent()) {
        return HourResult.of(hour, Outcome.FAILED, 0, refusal.get());
      }
    }
    DumpDownloader.Download download;
    try {
      download = downloader.fetch(hour, force);
    } catch (HourNotPublishedException e) {
      return HourResult.of(hour, Outcome.NOT_PUBLISHED, 0, e.getMessage());
    } catch (DumpUnavailableException e) {
      return HourResult.of(hour, Outcome.FAILED, e.bytesDownloaded(), e.getMessage());
    }
    HourResult result =
        Transactions.inTransaction(
            dataSource, connection -> load(connection, dataset, hour, force, download));
    if (force && result.outcome() == Outcome.IMPORTED) {
      // The hour's rows were replaced on purpose: archive them again even if the hour was restored,
      // which import-completed alone does not do. Should this fail, an export request does it.
      try {
        exportJobs.startAfterImport(dataset.name(), hour, hour.plus(Duration.ofHours(1)), true);
      } catch (RuntimeException e) {
        LOG.warnf(e, "hour %s: could not start the export of its replaced rows", hour);
      }
    }
    if (result.linesSkipped() > 0) {
      LOG.warnf(
          "hour %s: %d of %d lines were malformed and skipped",
          hour, result.linesSkipped(), result.linesRead());
    }
    return result;
  }

  private HourResult load(
      Connection connection,
      DatasetDefinition dataset,
      Instant hour,
      boolean force,
      DumpDownloader.Download download)
      throws Exception {
    // Two workers importing the same hour take turns; the second sees the first one's record.
    try (PreparedStatement lock =
        connection.prepareStatement(
            "SELECT pg_advisory_xact_lock(hashtext('permafrost.wikimedia-hour'), hashtext(?))")) {
      lock.setString(1, hour.toString());
      lock.execute();
    }
    boolean importedBefore = isImported(connection, hour);
    if (importedBefore && !force) {
      return HourResult.of(hour, Outcome.SKIPPED, download.bytesDownloaded(), "imported before");
    }
    if (force) {
      Optional<String> refusal = replaceRefusal(connection, dataset, hour);
      // The partition's export lease, held until this transaction ends and expired after it: an
      // export waits for the new rows instead of reading the old ones.
      if (refusal.isEmpty()
          && leases
              .tryAcquire(
                  connection,
                  dataset.name(),
                  partitionOf(dataset, hour),
                  "wikimedia-import",
                  Duration.ZERO)
              .isEmpty()) {
        refusal = Optional.of("an export of hour " + hour + " is running; import it again later");
      }
      if (refusal.isPresent()) {
        return HourResult.of(hour, Outcome.FAILED, download.bytesDownloaded(), refusal.get());
      }
      deleteHour(connection, dataset, hour);
    }
    DumpParser.Counts counts = copyIn(connection, dataset, hour, download);
    for (String malformed : counts.malformedSample()) {
      LOG.warnf("hour %s: skipped %s", hour, malformed);
    }
    record(connection, hour, dataset, counts, download);
    outbox.append(
        connection,
        EventEnvelope.of(
            dataset.name() + "/" + hour,
            Instant.now(),
            new ImportCompleted(dataset.name(), hour, hour.plus(Duration.ofHours(1)), null)));
    return new HourResult(
        hour,
        Outcome.IMPORTED,
        counts.rows(),
        counts.linesRead(),
        counts.linesSkipped(),
        download.bytesDownloaded(),
        importedBefore ? "imported again, replacing the hour's rows" : null);
  }

  /** Why the hour's rows must not be replaced now, or empty if they may be. */
  private Optional<String> replaceRefusal(
      Connection connection, DatasetDefinition dataset, Instant hour) throws SQLException {
    List<String> chunks =
        catalog.chunksHoldingRows(connection, dataset.name(), partitionOf(dataset, hour));
    if (chunks.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "hour "
            + hour
            + " has rows in the store or on their way there (chunks "
            + chunks
            + "); a forced import replaces an hour's rows, so restore the hour first");
  }

  /** The name of the dataset's partition that holds {@code hour}. */
  private static String partitionOf(DatasetDefinition dataset, Instant hour) {
    return dataset.grain().partitionName(dataset.grain().start(hour));
  }

  private DumpParser.Counts copyIn(
      Connection connection,
      DatasetDefinition dataset,
      Instant hour,
      DumpDownloader.Download download)
      throws Exception {
    CopyIn copy =
        connection
            .unwrap(PGConnection.class)
            .getCopyAPI()
            .copyIn(
                "COPY "
                    + dataset.table()
                    + " (hour, domain, page, views, bytes) FROM STDIN (FORMAT text)");
    try (InputStream lines =
        new GZIPInputStream(Files.newInputStream(download.file()), 64 * 1024)) {
      DumpParser.Counts counts =
          DumpParser.parse(lines, hour, (text, length) -> write(copy, text, length));
      copy.endCopy();
      return counts;
    } finally {
      if (copy.isActive()) {
        copy.cancelCopy();
      }
    }
  }

  private static void write(CopyIn copy, byte[] text, int length) throws java.io.IOException {
    try {
      copy.writeToCopy(text, 0, length);
    } catch (SQLException e) {
      throw new java.io.IOException("COPY into PostgreSQL failed: " + e.getMessage(), e);
    }
  }

  private static void deleteHour(Connection connection, DatasetDefinition dataset, Instant hour)
      throws SQLException {
    try (PreparedStatement delete =
        connection.prepareStatement("DELETE FROM " + dataset.table() + " WHERE hour = ?")) {
      delete.setTimestamp(1, Timestamp.from(hour));
      LOG.infof("hour %s: forced import replaces %d rows", hour, delete.executeUpdate());
    }
  }

  private static void record(
      Connection connection,
      Instant hour,
      DatasetDefinition dataset,
      DumpParser.Counts counts,
      DumpDownloader.Download download)
      throws SQLException {
    try (PreparedStatement upsert =
        connection.prepareStatement(
            """
            INSERT INTO exporter.wikimedia_hour
                (hour, dataset, rows_loaded, lines_read, lines_skipped, file_bytes, file_sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (hour) DO UPDATE SET
                rows_loaded = excluded.rows_loaded, lines_read = excluded.lines_read,
                lines_skipped = excluded.lines_skipped, file_bytes = excluded.file_bytes,
                file_sha256 = excluded.file_sha256, imported_at = now()
            """)) {
      upsert.setTimestamp(1, Timestamp.from(hour));
      upsert.setString(2, dataset.name());
      upsert.setLong(3, counts.rows());
      upsert.setLong(4, counts.linesRead());
      upsert.setLong(5, counts.linesSkipped());
      upsert.setLong(6, download.fileBytes());
      upsert.setString(7, download.sha256());
      upsert.executeUpdate();
    }
  }

  /** Whether the hour was imported, as committed now. */
  public boolean isImported(Instant hour) {
    return Transactions.inTransaction(dataSource, connection -> isImported(connection, hour));
  }

  private static boolean isImported(Connection connection, Instant hour) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement("SELECT 1 FROM exporter.wikimedia_hour WHERE hour = ?")) {
      select.setTimestamp(1, Timestamp.from(hour));
      try (ResultSet rs = select.executeQuery()) {
        return rs.next();
      }
    }
  }
}
