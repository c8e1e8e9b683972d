package io.pushring.metrics;

/**
 * What pushring did with one request on the push API: the {@code decision} label of
 * {@code pushring_requests_total} and of tap events. A closed set, so the label stays bounded.
 */
public enum Decision {
  /** Answered with a 307/308 to the owner. */
  REDIRECT("redirect"),
  /** Streamed to the owner (proxy mode). */
  PROXY("proxy"),
  /** A GET: answered {@code nextUrl:...} (where the push would go), nothing forwarded. */
  LOOKUP("lookup"),
  /** Refused: a path the Pushgateway would not accept, or a method it does not serve (4xx). */
  REJECT("reject"),
  /** No healthy Pushgateway in the ring: 503. */
  UNAVAILABLE("unavailable");

  private final String label;

  Decision(String label) { this.label = label; }

  /** The label value, lower case. */
  public String label() { return label; }

  /** The decision of a label value, or null when there is none. */
  public static Decision ofLabel(String label) {
    for (Decision d : values()) if (d.label.equals(label)) return d;
    return null;
  }
}
