package io.pushring.reconcile;

import java.util.regex.Pattern;

/**
 * Numbers as the Pushgateway's API writes them: Go's {@code fmt.Sprint} of a float64 or uint64
 * ({@code 1e-07}, {@code 1.7960457709419782e+09}, {@code +Inf}, {@code -Inf}, {@code NaN}, {@code 42}).
 * The exposition rebuild copies these strings verbatim (Go's text parser reads every one of them back
 * to the same float), so no value is ever re-formatted; they are parsed only to sort buckets and
 * quantiles and to compare push times.
 */
final class GoFloat {
  /** What Go's strconv.FormatFloat(f, 'g', -1, 64) and FormatUint can print, and nothing else. */
  private static final Pattern NUMBER = Pattern.compile("[+-]Inf|NaN|-?[0-9]+(\\.[0-9]+)?(e[+-][0-9]+)?");

  private GoFloat() {}

  static boolean isNumber(String s) {
    return NUMBER.matcher(s).matches();
  }

  /** @throws NumberFormatException if {@code s} is not a number the API writes */
  static double parse(String s) {
    if (!isNumber(s)) throw new NumberFormatException("not a Pushgateway API number: \"" + s + "\"");
    switch (s) {
      case "+Inf": return Double.POSITIVE_INFINITY;
      case "-Inf": return Double.NEGATIVE_INFINITY;
      case "NaN": return Double.NaN;
      default: return Double.parseDouble(s);
    }
  }
}
