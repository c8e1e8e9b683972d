package io.pushring.testing.consul;

import java.time.Duration;
import java.util.Map;

/**
 * Go's {@code time.ParseDuration} and {@code Duration.String()}, because Consul reads {@code wait},
 * {@code Interval}, {@code Timeout} and {@code DeregisterCriticalServiceAfter} with the former and
 * echoes check intervals back with the latter ("10s", "1m30s", "500ms"). A value without a unit is
 * an error except "0", exactly as in Go.
 */
public final class GoDuration {
  private static final Map<String, Long> NANOS_PER_UNIT = Map.of(
      "ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L, "ms", 1_000_000L,
      "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

  private GoDuration() {}

  /** Parses Go duration syntax ("1h2m3.5s", "-300ms", "0"); throws with Go's message otherwise. */
  public static Duration parse(String text) {
    if (text == null) {
      throw invalid("");
    }
    String s = text;
    int i = 0;
    boolean negative = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      negative = s.charAt(0) == '-';
      i = 1;
    }
    if (s.substring(i).equals("0")) {
      return Duration.ZERO;
    }
    if (i == s.length()) {
      throw invalid(text);
    }
    double totalNanos = 0;
    while (i < s.length()) {
      int numberStart = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      String number = s.substring(numberStart, i);
      if (number.isEmpty() || number.equals(".")) {
        throw invalid(text);
      }
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      String unit = s.substring(unitStart, i);
      if (unit.isEmpty()) {
        throw new IllegalArgumentException("time: missing unit in duration \"" + text + "\"");
      }
      Long perUnit = NANOS_PER_UNIT.get(unit);
      if (perUnit == null) {
        throw new IllegalArgumentException(
            "time: unknown unit \"" + unit + "\" in duration \"" + text + "\"");
      }
      try {
        totalNanos += Double.parseDouble(number) * perUnit;
      } catch (NumberFormatException e) {
        throw invalid(text);
      }
    }
    long nanos = Math.round(totalNanos);
    return Duration.ofNanos(negative ? -nanos : nanos);
  }

  /** Go's {@code time.Duration.String()}: "0s", "500ms", "10s", "1m0s", "1h30m0s", "1.5s". */
  public static String format(Duration duration) {
    long nanos = duration.toNanos();
    if (nanos == 0) {
      return "0s";
    }
    String sign = nanos < 0 ? "-" : "";
    long abs = Math.abs(nanos);
    if (abs < 1_000_000_000L) {
      if (abs < 1_000L) {
        return sign + abs + "ns";
      }
      if (abs < 1_000_000L) {
        return sign + fraction(abs, 1_000L) + "µs";
      }
      return sign + fraction(abs, 1_000_000L) + "ms";
    }
    long hours = abs / 3_600_000_000_000L;
    long rest = abs % 3_600_000_000_000L;
    long minutes = rest / 60_000_000_000L;
    long secondsNanos = rest % 60_000_000_000L;
    StringBuilder out = new StringBuilder(sign);
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      out.append(minutes).append('m');
    }
    out.append(fraction(secondsNanos, 1_000_000_000L)).append('s');
    return out.toString();
  }

  private static String fraction(long value, long unit) {
    long whole = value / unit;
    long frac = value % unit;
    if (frac == 0) {
      return Long.toString(whole);
    }
    String digits = String.format("%0" + (Long.toString(unit).length() - 1) + "d", frac);
    return whole + "." + digits.replaceAll("0+$", "");
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException("time: invalid duration \"" + text + "\"");
  }
}
