package io.pushring.reconcile;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One metric of a family as the API lists it. Numbers stay the API's strings (see {@link GoFloat}).
 * Counters, gauges and untyped metrics have a {@code value}; summaries {@code quantiles},
 * {@code count} and {@code sum}; histograms {@code buckets}, {@code count} and {@code sum}.
 * Quantiles and buckets are sorted by their bound, numerically.
 */
public record Sample(SortedMap<String, String> labels, String value, List<Bound> quantiles, List<Bound> buckets,
    String count, String sum) {

  /** A quantile or a bucket: its bound ({@code 0.99}, {@code +Inf}) and its value. */
  public record Bound(String bound, String value) {
    public Bound {
      Objects.requireNonNull(bound, "bound");
      Objects.requireNonNull(value, "value");
    }
  }

  public Sample {
    labels = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(labels, "labels")));
    quantiles = List.copyOf(quantiles);
    buckets = List.copyOf(buckets);
  }

  static List<Bound> sortedBounds(Map<String, String> byBound) {
    return byBound.entrySet().stream()
        .sorted((a, b) -> Double.compare(GoFloat.parse(a.getKey()), GoFloat.parse(b.getKey())))
        .map(e -> new Bound(e.getKey(), e.getValue()))
        .toList();
  }
}
