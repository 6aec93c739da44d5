package dev.permafrost.format;

/**
 * A value that Permafrost's cold format cannot hold exactly. The export of its partition is refused
 * rather than clamped.
 */
public class UnrepresentableValueException extends RuntimeException {

  public UnrepresentableValueException(String column, String problem) {
    super("column " + column + " " + problem + "; the partition is not exported");
  }
}
