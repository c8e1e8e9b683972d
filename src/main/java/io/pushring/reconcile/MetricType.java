package io.pushring.reconcile;

import java.util.Locale;

/** A family's type as the API names it ({@code dto.MetricType.String()}). */
public enum MetricType {
  COUNTER, GAUGE, SUMMARY, UNTYPED, HISTOGRAM, GAUGE_HISTOGRAM;

  static MetricType fromApi(String name) {
    try {
      return valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown metric type \"" + name + "\"");
    }
  }

  /** The word after {@code # TYPE} in the text format. */
  String textName() {
    return name().toLowerCase(Locale.ROOT).replace("_", "");
  }
}
