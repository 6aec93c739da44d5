package dev.permafrost.format;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;

/**
 * Writes rows of one table into one Parquet file and keeps the row digest of what it wrote.
 *
 * <p>Row groups are small (8 MiB by default) so that query engines can split and skip them; with
 * parquet-java's 128 MiB default a narrow table ends up as one unskippable group.
 */
public final class ChunkFileWriter implements AutoCloseable {

  /** Row group size in bytes that measured well for DuckDB on narrow tables. */
  public static final long DEFAULT_ROW_GROUP_BYTES = 8L * 1024 * 1024;

  private final ParquetWriter<Object[]> writer;
  private final RowDigest digest;

  private ChunkFileWriter(ParquetWriter<Object[]> writer, RowDigest digest) {
    this.writer = writer;
    this.digest = digest;
  }

  /** Creates {@code file}, which must not exist yet. */
  public static ChunkFileWriter create(
      Path file, TableSchema schema, CompressionCodecName codec, long rowGroupBytes)
      throws IOException {
    return create(new LocalOutputFile(file), schema, codec, rowGroupBytes);
  }

  /** Writes to any Parquet {@code OutputFile}, e.g. a stream into the object store. */
  public static ChunkFileWriter create(
      OutputFile file, TableSchema schema, CompressionCodecName codec, long rowGroupBytes)
      throws IOException {
    ParquetWriter<Object[]> writer =
        new Builder(file, schema)
            .withConf(new Configuration(false))
            .withWriteMode(ParquetFileWriter.Mode.CREATE)
            .withCompressionCodec(codec)
            .withRowGroupSize(rowGroupBytes)
            .withDictionaryEncoding(true)
            .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
            .build();
    return new ChunkFileWriter(writer, new RowDigest(schema));
  }

  public void write(Object[] row) throws IOException {
    writer.write(row);
    digest.add(row);
  }

  /** The digest of every row written so far. */
  public RowDigest digest() {
    return digest;
  }

  /** Bytes written so far, an estimate until the file is closed. */
  public long dataSize() {
    return writer.getDataSize();
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }

  private static final class Builder extends ParquetWriter.Builder<Object[], Builder> {
    private final TableSchema schema;

    Builder(OutputFile file, TableSchema schema) {
      super(file);
      this.schema = schema;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<Object[]> getWriteSupport(Configuration conf) {
      return new RowWriteSupport(schema, Map.of("permafrost.format", "1"));
    }
  }
}
