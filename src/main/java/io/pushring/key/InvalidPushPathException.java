package io.pushring.key;

/**
 * A push path the Pushgateway would not accept. Cheap: no stack trace (it is control flow).
 * The message carries no trailing newline; the router adds the one {@code http.Error} writes.
 */
public final class InvalidPushPathException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public InvalidPushPathException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  /** The HTTP status pushring answers with (400 for what the Pushgateway answers 400). */
  public int status() { return status; }

  @Override
  public String toString() {
    return status + " " + getMessage();
  }
}
