package io.pushring.reconcile;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * A group's text exposition (format 0.0.4) rebuilt from the API's families: what a client would
 * have pushed to produce exactly these families. PUT to a Pushgateway under the group's path, it
 * yields the same families, samples, label sets, values, HELP and TYPE (checked against a real
 * Pushgateway for every metric type by {@code ExpositionRoundTripTest}).
 *
 * <ul>
 *   <li>numbers are the API's strings, copied verbatim (see {@link GoFloat}): no re-formatting, so
 *       no precision is lost and {@code NaN}, {@code +Inf}, {@code -Inf} survive;
 *   <li>grouping labels are left out of the samples: the Pushgateway sets them from the push path
 *       anyway, and an unchanged copy could only disagree with a moved path. Every other label is
 *       kept as listed, {@code instance=""} too (the Pushgateway adds it to samples without one);
 *   <li>label values are escaped ({@code \\}, {@code \"}, {@code \n}), HELP text too ({@code \\}, {@code \n});
 *   <li>no timestamps: Pushgateway 1.5.1 refuses pushes that carry them, so a group never has any.
 * </ul>
 */
public final class Exposition {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  private Exposition() {}

  /** @throws IllegalArgumentException for what the text format cannot carry (an invalid name, a gauge histogram) */
  public static String render(GroupFamilies group) {
    StringBuilder out = new StringBuilder(256);
    for (MetricFamily f : group.families()) {
      String name = f.name();
      if (!METRIC_NAME.matcher(name).matches()) throw new IllegalArgumentException("invalid metric name \"" + name + "\"");
      if (f.type() == MetricType.GAUGE_HISTOGRAM) {
        throw new IllegalArgumentException(name + ": a gauge histogram cannot be pushed in the text format");
      }
      if (!f.help().isEmpty()) out.append("# HELP ").append(name).append(' ').append(escapeHelp(f.help())).append('\n');
      out.append("# TYPE ").append(name).append(' ').append(f.type().textName()).append('\n');
      for (Sample s : f.samples()) {
        switch (f.type()) {
          case SUMMARY -> {
            for (Sample.Bound q : s.quantiles()) line(out, name, group, s, "quantile", q.bound(), q.value());
            line(out, name + "_sum", group, s, null, null, required(s.sum(), name, "sum"));
            line(out, name + "_count", group, s, null, null, required(s.count(), name, "count"));
          }
          case HISTOGRAM -> {
            for (Sample.Bound b : s.buckets()) line(out, name + "_bucket", group, s, "le", b.bound(), b.value());
            line(out, name + "_sum", group, s, null, null, required(s.sum(), name, "sum"));
            line(out, name + "_count", group, s, null, null, required(s.count(), name, "count"));
          }
          default -> line(out, name, group, s, null, null, required(s.value(), name, "value"));
        }
      }
    }
    return out.toString();
  }

  private static String required(String number, String family, String what) {
    if (number == null) throw new IllegalArgumentException(family + ": a sample without " + what);
    return number;
  }

  private static void line(StringBuilder out, String name, GroupFamilies group, Sample s,
      String extraName, String extraValue, String value) {
    out.append(name);
    boolean open = false;
    for (Map.Entry<String, String> l : s.labels().entrySet()) {
      String ln = l.getKey();
      if (l.getValue().equals(group.labels().get(ln))) continue; // set by the push path
      if (!LABEL_NAME.matcher(ln).matches()) throw new IllegalArgumentException("invalid label name \"" + ln + "\"");
      out.append(open ? ',' : '{').append(ln).append("=\"");
      escapeLabelValue(out, l.getValue());
      out.append('"');
      open = true;
    }
    if (extraName != null) {
      out.append(open ? ',' : '{').append(extraName).append("=\"").append(extraValue).append('"');
      open = true;
    }
    if (open) out.append('}');
    out.append(' ').append(value).append('\n');
  }

  private static void escapeLabelValue(StringBuilder out, String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
  }

  private static String escapeHelp(String help) {
    return help.replace("\\", "\\\\").replace("\n", "\\n");
  }
}
