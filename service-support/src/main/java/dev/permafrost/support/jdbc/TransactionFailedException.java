package dev.permafrost.support.jdbc;

/** A transaction's work failed with a checked exception; the transaction was rolled back. */
public class TransactionFailedException extends RuntimeException {

  public TransactionFailedException(Exception cause) {
    super(cause.getMessage(), cause);
  }
}
