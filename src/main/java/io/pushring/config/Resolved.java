package io.pushring.config;

import java.util.Map;
import java.util.Set;

/** The converted value of every key, and which of them came from the environment. */
final class Resolved {
  private final Map<ConfigKey<?>, Object> values;
  private final Set<ConfigKey<?>> fromEnv;

  Resolved(Map<ConfigKey<?>, Object> values, Set<ConfigKey<?>> fromEnv) {
    this.values = Map.copyOf(values);
    this.fromEnv = Set.copyOf(fromEnv);
  }

  @SuppressWarnings("unchecked") // values are put by key, through the key's own type
  <T> T get(ConfigKey<T> key) {
    Object v = values.get(key);
    if (v == null) throw new IllegalStateException("no value for " + key);
    return (T) v;
  }

  /** The variable a key's value came from, or null when it came from the file or the default. */
  String envSource(ConfigKey<?> key) {
    return fromEnv.contains(key) ? key.envName() : null;
  }
}
