package io.pushring.key;

/** Parses a raw (still percent-encoded) request path the way Pushgateway 1.5.x does. */
public final class GroupingKeyParser {
  private GroupingKeyParser() {}

  /**
   * @param rawPath the request path exactly as received, without the query
   * @throws InvalidPushPathException with the Pushgateway's status and wording where it has one
   */
  public static GroupingKey parse(String rawPath) {
    throw new UnsupportedOperationException("skeleton");
  }
}
