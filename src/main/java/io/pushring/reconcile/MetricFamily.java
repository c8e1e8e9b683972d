package io.pushring.reconcile;

import java.util.List;
import java.util.Objects;

/** One metric family of a group as the API lists it; {@code help} is empty when the family has none. */
public record MetricFamily(String name, MetricType type, String help, List<Sample> samples) {
  public MetricFamily {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(help, "help");
    samples = List.copyOf(samples);
  }
}
