package dev.permafrost.archive.service;

import dev.permafrost.archive.domain.Chunk;
import dev.permafrost.archive.domain.ChunkState;
import dev.permafrost.archive.domain.Verification;
import dev.permafrost.archive.persistence.AuditLog;
import dev.permafrost.archive.persistence.Catalog;
import dev.permafrost.support.jdbc.Transactions;
import dev.permafrost.support.rest.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Reads chunks back from the object store and records what it found: a chunk whose hot rows are
 * still there becomes VERIFIED or CORRUPT; an ACTIVE chunk, whose hot rows are gone, keeps its
 * state so that queries over it fail loudly, and gets an error and an audit entry for an operator.
 */
@ApplicationScoped
public class ChunkVerifier {

  /** The states whose objects are expected to be in the store. */
  public static final Set<ChunkState> WITH_OBJECTS =
      EnumSet.of(ChunkState.EXPORTED, ChunkState.VERIFIED, ChunkState.ACTIVE, ChunkState.CORRUPT);

  private static final Logger LOG = Logger.getLogger(ChunkVerifier.class);

  private final DataSource dataSource;
  private final Catalog catalog;
  private final AuditLog audit;
  private final ColdCopyReader reader;
  private final Failpoints failpoints;
  private final MeterRegistry metrics;

  public ChunkVerifier(
      DataSource dataSource,
      Catalog catalog,
      AuditLog audit,
      ColdCopyReader reader,
      Failpoints failpoints,
      MeterRegistry metrics) {
    this.dataSource = dataSource;
    this.catalog = catalog;
    this.audit = audit;
    this.reader = reader;
    this.failpoints = failpoints;
    this.metrics = metrics;
  }

  /**
   * Verifies chunk {@code chunkId} now and records the outcome.
   *
   * @throws ProblemException 404 for an unknown chunk, 409 for one without objects to verify
   */
  public Verification verify(UUID chunkId) {
    Chunk chunk =
        Transactions.inTransaction(dataSource, c -> catalog.find(c, chunkId))
            .orElseThrow(() -> ProblemException.notFound("Unknown chunk", "no chunk " + chunkId));
    if (!WITH_OBJECTS.contains(chunk.state())) {
      throw ProblemException.conflict(
          "chunk "
              + chunkId
              + " is "
              + chunk.state()
              + "; only chunks in "
              + WITH_OBJECTS
              + " have objects to verify");
    }
    ReadBack readBack = readBack(chunk);
    failpoints.reached(Failpoints.VERIFY_BEFORE_COMMIT);
    ChunkState after =
        Transactions.inTransaction(dataSource, c -> record(c, chunk, readBack).state());
    return report(chunk, after, readBack);
  }

  /** Reads each chunk back and reports, changing nothing. */
  public List<Verification> check(List<Chunk> chunks) {
    return chunks.stream()
        .filter(chunk -> WITH_OBJECTS.contains(chunk.state()))
        .map(chunk -> report(chunk, chunk.state(), readBack(chunk)))
        .toList();
  }

  /**
   * Records, in {@code transaction}, what a read-back of {@code chunk} found. Does nothing if the
   * chunk moved on since it was read (its state or epoch changed).
   *
   * @return the chunk as it is afterwards
   */
  Chunk record(Connection transaction, Chunk chunk, ReadBack readBack) throws SQLException {
    metrics
        .counter(
            "permafrost.archive.verifications",
            "dataset",
            chunk.dataset(),
            "outcome",
            readBack.intact() ? "intact" : "corrupt")
        .increment();
    String problems = String.join("; ", readBack.problems());
    boolean hotRowsKept = chunk.state() != ChunkState.ACTIVE;
    boolean changed;
    if (readBack.intact()) {
      changed =
          hotRowsKept
              ? catalog.transition(transaction, chunk, ChunkState.VERIFIED, null)
              : catalog.recordError(transaction, chunk, null);
    } else {
      changed =
          hotRowsKept
              ? catalog.transition(transaction, chunk, ChunkState.CORRUPT, problems)
              : catalog.recordError(transaction, chunk, "cold copy damaged: " + problems);
    }
    if (!changed) {
      return catalog.find(transaction, chunk.chunkId()).orElseThrow();
    }
    if (readBack.intact()) {
      audit.record(
          transaction,
          AuditLog.Action.VERIFIED,
          chunk,
          readBack.rows(),
          readBack.rowDigest(),
          null);
    } else {
      audit.record(
          transaction,
          AuditLog.Action.CORRUPT,
          chunk,
          readBack.rows(),
          String.valueOf(readBack.rowDigest()),
          problems);
      LOG.errorf(
          "chunk %s (%s/%s, %s) is damaged%s: %s",
          chunk.chunkId(),
          chunk.dataset(),
          chunk.partition(),
          chunk.state(),
          hotRowsKept ? ", hot rows untouched" : "; its hot rows are gone, restore the objects",
          problems);
    }
    return catalog.find(transaction, chunk.chunkId()).orElseThrow();
  }

  ReadBack readBack(Chunk chunk) {
    return readBack(chunk, ColdCopyReader.NO_SINK);
  }

  ReadBack readBack(Chunk chunk, String primaryKey, Path keysFile) {
    return readBack(chunk, ColdCopyReader.keysTo(primaryKey, keysFile));
  }

  /** Reads the chunk back, handing its rows to a sink; see {@link ColdCopyReader#readBack}. */
  ReadBack readBack(Chunk chunk, ColdCopyReader.RowSinkFactory sinks) {
    try {
      return reader.readBack(chunk, sinks);
    } catch (IOException e) {
      throw new UncheckedIOException("reading chunk " + chunk.chunkId() + " back failed", e);
    }
  }

  private static Verification report(Chunk chunk, ChunkState state, ReadBack readBack) {
    return new Verification(
        chunk.chunkId(),
        chunk.dataset(),
        chunk.partition(),
        chunk.sequence(),
        state,
        readBack.intact(),
        readBack.rows(),
        readBack.rowDigest(),
        readBack.problems());
  }
}
