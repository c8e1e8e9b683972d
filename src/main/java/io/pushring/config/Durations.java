package io.pushring.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written the way Go and Consul write them ({@code 500ms}, {@code 5s}, {@code 1m30s},
 * {@code 1h}), so the values in {@code pushring.yaml} can be handed to Consul unchanged.
 */
public final class Durations {
  // Units in descending order, each at most once: stricter than Go's parser (no "30s1m", no
  // fractions, no µs/ns), which keeps every accepted spelling unambiguous to a reader.
  private static final Pattern GO_DURATION =
      Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+)s)?(?:(\\d+)ms)?");

  private Durations() {}

  /**
   * @throws IllegalArgumentException with a message fit to follow {@code key: }
   */
  public static Duration parse(String text) {
    String s = text.strip();
    if (s.startsWith("-")) throw new IllegalArgumentException("must not be negative, got " + Values.quote(text));
    Matcher m = GO_DURATION.matcher(s);
    if (s.isEmpty() || !m.matches()) {
      throw new IllegalArgumentException(
          "expected a duration like 500ms, 5s, 1m or 1m30s, got " + Values.quote(text));
    }
    try {
      long ms = 0;
      ms = Math.addExact(ms, Math.multiplyExact(part(m, 1), 3_600_000L));
      ms = Math.addExact(ms, Math.multiplyExact(part(m, 2), 60_000L));
      ms = Math.addExact(ms, Math.multiplyExact(part(m, 3), 1_000L));
      ms = Math.addExact(ms, part(m, 4));
      return Duration.ofMillis(ms);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("duration too large, got " + Values.quote(text));
    }
  }

  private static long part(Matcher m, int group) {
    String g = m.group(group);
    return g == null ? 0 : Long.parseLong(g);
  }

  /** The shortest Go/Consul spelling: {@code 90s -> "1m30s"}, {@code 0 -> "0s"}; milliseconds precision. */
  public static String format(Duration d) {
    if (d.isNegative()) throw new IllegalArgumentException("negative duration " + d);
    long ms = d.toMillis();
    if (ms == 0) return "0s";
    StringBuilder b = new StringBuilder();
    long h = ms / 3_600_000L, m = ms / 60_000L % 60, s = ms / 1_000L % 60, rest = ms % 1_000L;
    if (h > 0) b.append(h).append('h');
    if (m > 0) b.append(m).append('m');
    if (s > 0) b.append(s).append('s');
    if (rest > 0) b.append(rest).append("ms");
    return b.toString();
  }
}
