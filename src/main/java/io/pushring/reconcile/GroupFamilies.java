package io.pushring.reconcile;

import io.pushring.key.GroupingKey;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything needed to move one group: its key, its grouping labels, its push time, and its metric
 * families sorted by name, without the two the Pushgateway adds itself ({@code push_time_seconds},
 * {@code push_failure_time_seconds}), which a push must not contain.
 */
public record GroupFamilies(GroupingKey key, SortedMap<String, String> labels, double pushTime,
    List<MetricFamily> families) {
  public GroupFamilies {
    Objects.requireNonNull(key, "key");
    labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    families = families.stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
  }
}
