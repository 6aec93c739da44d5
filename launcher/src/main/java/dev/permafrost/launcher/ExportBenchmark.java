package dev.permafrost.launcher;

import dev.permafrost.devstack.DemoData;
import dev.permafrost.devstack.DevStack;
import dev.permafrost.format.DatasetDefinition;
import dev.permafrost.format.Grain;
import dev.permafrost.format.LifecycleMode;
import dev.permafrost.format.Manifest;
import dev.permafrost.format.ObjectKeys;
import dev.permafrost.format.ObjectStore;
import dev.permafrost.format.PartitionExporter;
import dev.permafrost.format.PgTables;
import dev.permafrost.format.TableSchema;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.postgresql.PGConnection;

/**
 * {@code ./permafrost bench export}: exports a generated page-view table with the exporter's own
 * code and compares, in the same run, with PostgreSQL's COPY BINARY drain of the same rows (the
 * read limit), with the table's size in PostgreSQL, and with what DuckDB writes for the same rows.
 */
final class ExportBenchmark {

  /** Days of data; with the demo generator this gives project 1 about 50,000 distinct paths. */
  private static final int DAYS = 38;

  private final PrintStream out;
  private final Progress progress;

  ExportBenchmark(PrintStream out, Progress progress) {
    this.out = out;
    this.progress = progress;
  }

  /** The figures of one run; {@link #lastLine()} is what scripts read. */
  record Result(
      long rows,
      double exportRowsPerSecond,
      double copyBinaryRowsPerSecond,
      double copyBinaryUnsortedRowsPerSecond,
      long parquetBytes,
      long postgresBytes,
      long duckDbBytes,
      long peakHeapBytes) {

    String lastLine() {
      return String.format(
          java.util.Locale.ROOT,
          "export_vs_copy=%.2f parquet_vs_pg_bytes=%.3f parquet_vs_duckdb_bytes=%.2f peak_heap_mb=%d",
          exportRowsPerSecond / copyBinaryRowsPerSecond,
          (double) parquetBytes / postgresBytes,
          (double) parquetBytes / duckDbBytes,
          peakHeapBytes / (1024 * 1024));
    }
  }

  Result run(Path workDir, long rows) throws Exception {
    try (DevStack stack = DevStack.start(workDir.resolve("devstack"))) {
      DatasetDefinition dataset = pageviews();
      LocalDate firstDay = LocalDate.now(ZoneOffset.UTC).minusDays(DAYS + 1);
      int rowsPerDay = (int) Math.max(1, rows / DAYS);

      progress.step(String.format("Generating %,d page views", (long) rowsPerDay * DAYS));
      long loaded;
      long postgresBytes;
      try (Connection connection = stack.connect()) {
        DemoData.createPageviewsTable(connection);
        loaded = DemoData.loadPageviews(connection, firstDay, DAYS, rowsPerDay, 1, 42);
      }
      stack.execute("VACUUM ANALYZE public.pageviews");
      postgresBytes = stack.queryLong("SELECT pg_total_relation_size('public.pageviews')");
      progress.done(String.format("%,d rows, %,d bytes in PostgreSQL", loaded, postgresBytes));

      List<Instant> partitions = new ArrayList<>();
      for (int day = 0; day < DAYS; day++) {
        partitions.add(firstDay.plusDays(day).atStartOfDay().toInstant(ZoneOffset.UTC));
      }

      progress.step("Draining the same rows with COPY ... TO STDOUT (FORMAT binary)");
      long copyStart = System.nanoTime();
      long copied = 0;
      try (Connection connection = stack.connect()) {
        TableSchema schema = PgTables.readSchema(connection, dataset.table());
        for (Instant partition : partitions) {
          copied += copyBinary(connection, copySql(dataset, schema, partition));
        }
      }
      double copySeconds = (System.nanoTime() - copyStart) / 1e9;
      progress.done(String.format("%,d rows in %.1f s", copied, copySeconds));

      // Context only: the same drain without the sort that chunks need.
      progress.step("Draining all rows unsorted with COPY ... TO STDOUT (FORMAT binary)");
      long unsortedStart = System.nanoTime();
      long unsorted;
      try (Connection connection = stack.connect()) {
        unsorted =
            copyBinary(
                connection,
                "COPY (SELECT * FROM " + dataset.table() + ") TO STDOUT (FORMAT binary)");
      }
      double unsortedSeconds = (System.nanoTime() - unsortedStart) / 1e9;
      progress.done(String.format("%,d rows in %.1f s", unsorted, unsortedSeconds));

      progress.step("Exporting with the exporter's code to S3Proxy");
      ObjectStore store = new ObjectStore(stack.s3Client(), DevStack.BUCKET);
      PartitionExporter exporter =
          new PartitionExporter(store, new ObjectKeys("bench"), Clock.systemUTC());
      long exportStart = System.nanoTime();
      List<Manifest> manifests = new ArrayList<>();
      long peakHeap;
      try (HeapSampler heap = new HeapSampler();
          Connection connection = stack.connect()) {
        connection.setAutoCommit(false);
        connection.setReadOnly(true);
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        TableSchema schema = PgTables.readSchema(connection, dataset.table());
        for (Instant partition : partitions) {
          manifests.add(exporter.export(connection, dataset, schema, partition, 1));
          connection.commit(); // one snapshot per partition, as the service does
        }
        peakHeap = heap.peak();
      }
      double exportSeconds = (System.nanoTime() - exportStart) / 1e9;
      long exported = manifests.stream().mapToLong(Manifest::rowCount).sum();
      long parquetBytes =
          manifests.stream()
              .flatMap(m -> m.objects().stream())
              .mapToLong(Manifest.StoredObject::bytes)
              .sum();
      progress.done(
          String.format("%,d rows in %.1f s, %,d bytes", exported, exportSeconds, parquetBytes));

      progress.step("Writing the same rows with DuckDB (ZSTD), for size");
      long duckDbBytes = duckDbBytes(store, manifests, workDir.resolve("duckdb"));
      progress.done(String.format("%,d bytes", duckDbBytes));

      if (exported != loaded || copied != loaded) {
        throw new IllegalStateException(
            "row counts differ: loaded "
                + loaded
                + ", copied "
                + copied
                + ", exported "
                + exported);
      }
      return new Result(
          loaded,
          exported / exportSeconds,
          copied / copySeconds,
          unsorted / unsortedSeconds,
          parquetBytes,
          postgresBytes,
          duckDbBytes,
          peakHeap);
    }
  }

  void print(Result result) {
    out.println();
    out.printf("rows                     %,d%n", result.rows());
    out.printf("export_rows_per_s        %,.0f%n", result.exportRowsPerSecond());
    out.printf(
        "copy_binary_rows_per_s   %,.0f (same query and order as the export)%n",
        result.copyBinaryRowsPerSecond());
    out.printf(
        "copy_binary_unsorted_rows_per_s %,.0f (whole table, no ORDER BY; context)%n",
        result.copyBinaryUnsortedRowsPerSecond());
    out.printf("parquet_bytes            %,d%n", result.parquetBytes());
    out.printf("pg_total_relation_size   %,d%n", result.postgresBytes());
    out.printf("duckdb_parquet_bytes     %,d%n", result.duckDbBytes());
    out.printf(
        "peak_heap_bytes          %,d (sampled every 10 ms; max heap %,d)%n",
        result.peakHeapBytes(), Runtime.getRuntime().maxMemory());
    out.println(result.lastLine());
  }

  private static DatasetDefinition pageviews() {
    return new DatasetDefinition(
        "pageviews",
        "public.pageviews",
        "date",
        Grain.DAY,
        "id",
        Optional.of("project_id"),
        Optional.of("view_count"),
        LifecycleMode.MOVE,
        List.of("project_id", "date", "path"),
        Duration.ofDays(7),
        List.of(),
        DatasetDefinition.FileLayout.DEFAULT);
  }

  /** The exporter's own query for a partition, as a COPY: same rows, same order. */
  private static String copySql(DatasetDefinition dataset, TableSchema schema, Instant partition) {
    LocalDate day = LocalDate.ofInstant(partition, ZoneOffset.UTC);
    return "COPY (SELECT "
        + schema.selectList()
        + " FROM "
        + dataset.table()
        + " WHERE date >= '"
        + day
        + "' AND date < '"
        + day.plusDays(1)
        + "' ORDER BY project_id, date, path) TO STDOUT (FORMAT binary)";
  }

  /** Runs a binary COPY and walks every tuple and field, as a decoder must at least do. */
  private static long copyBinary(Connection connection, String sql) throws Exception {
    PipedInputStream pipe = new PipedInputStream(1 << 20);
    PipedOutputStream sink = new PipedOutputStream(pipe);
    CompletableFuture<Long> copy =
        CompletableFuture.supplyAsync(
            () -> {
              try (sink) {
                return connection.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, sink);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    long tuples = countTuples(new BufferedInputStream(pipe, 1 << 16));
    copy.join();
    return tuples;
  }

  private static long countTuples(InputStream input) throws IOException {
    DataInputStream in = new DataInputStream(input);
    in.skipNBytes(11); // signature
    in.readInt(); // flags
    in.skipNBytes(in.readInt()); // header extension
    long tuples = 0;
    while (true) {
      short fields;
      try {
        fields = in.readShort();
      } catch (EOFException e) {
        return tuples;
      }
      if (fields == -1) {
        return tuples;
      }
      long sum = 0;
      for (int f = 0; f < fields; f++) {
        int length = in.readInt();
        if (length > 0) {
          byte[] value = in.readNBytes(length);
          sum += value[0]; // touch the bytes, as decoding would
        }
      }
      if (sum == Long.MIN_VALUE) {
        throw new IllegalStateException("unreachable");
      }
      tuples++;
    }
  }

  private static long duckDbBytes(ObjectStore store, List<Manifest> manifests, Path dir)
      throws Exception {
    Files.createDirectories(dir);
    long total = 0;
    try (Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        Statement statement = duck.createStatement()) {
      int n = 0;
      for (Manifest manifest : manifests) {
        for (Manifest.StoredObject object : manifest.objects()) {
          Path ours = dir.resolve("ours-" + n + ".parquet");
          Path theirs = dir.resolve("duckdb-" + n++ + ".parquet");
          store.download(object.key(), ours);
          statement.execute(
              "COPY (SELECT * FROM read_parquet('"
                  + ours
                  + "')) TO '"
                  + theirs
                  + "' (FORMAT parquet, COMPRESSION zstd)");
          total += Files.size(theirs);
          Files.delete(ours);
          Files.delete(theirs);
        }
      }
    }
    return total;
  }

  /**
   * Samples the heap in use every 10 ms while it runs: the peak of what the export held, garbage
   * included. (Summing the memory pools' own peaks over-counts: they peak at different times.)
   */
  private static final class HeapSampler implements AutoCloseable {
    private final java.util.concurrent.atomic.AtomicLong peak =
        new java.util.concurrent.atomic.AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    HeapSampler() {
      System.gc();
      thread =
          new Thread(
              () -> {
                var memory = ManagementFactory.getMemoryMXBean();
                while (running) {
                  peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                  try {
                    Thread.sleep(10);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "heap-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    long peak() {
      return peak.get();
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join();
    }
  }
}
