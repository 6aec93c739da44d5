package dev.permafrost.exporter.ingest;

/** An hour's dump could not be fetched intact within the allowed attempts; the hour fails. */
public class DumpUnavailableException extends Exception {

  private final long bytesDownloaded;

  public DumpUnavailableException(String message, long bytesDownloaded) {
    super(message);
    this.bytesDownloaded = bytesDownloaded;
  }

  /** Bytes fetched by the failed attempts. */
  public long bytesDownloaded() {
    return bytesDownloaded;
  }
}
