package io.pushring.metrics;

import io.vertx.core.http.HttpMethod;

/** HTTP methods as a bounded label: the standard ones by name, anything else as {@code other}. */
public final class MethodLabel {
  static final String[] NAMES = {"GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH", "other"};
  static final int COUNT = NAMES.length;

  private MethodLabel() {}

  /** 0..{@code COUNT-1}; identity comparisons only, so no allocation. */
  static int slot(HttpMethod method) {
    if (method == HttpMethod.GET) return 0;
    if (method == HttpMethod.PUT) return 1;
    if (method == HttpMethod.POST) return 2;
    if (method == HttpMethod.DELETE) return 3;
    if (method == HttpMethod.HEAD) return 4;
    if (method == HttpMethod.OPTIONS) return 5;
    if (method == HttpMethod.PATCH) return 6;
    return 7;
  }

  /** The label value of {@code method}: its name, or {@code other} (client-chosen names are unbounded). */
  public static String of(HttpMethod method) {
    return NAMES[slot(method)];
  }
}
