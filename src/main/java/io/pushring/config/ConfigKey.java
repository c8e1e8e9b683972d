package io.pushring.config;

import java.util.Locale;
import java.util.Objects;

/**
 * One known configuration key: its dotted path in {@code pushring.yaml}, the environment variable
 * that overrides it, its type (conversion and validation), its default and a one-line description.
 * Instances are the rows of {@link ConfigKeys}.
 */
public final class ConfigKey<T> {
  private final String path;
  private final String envName;
  private final ValueType<T> type;
  private final T defaultValue;
  private final String doc;

  ConfigKey(String path, ValueType<T> type, T defaultValue, String doc) {
    this.path = Objects.requireNonNull(path);
    this.envName = envNameOf(path);
    this.type = Objects.requireNonNull(type);
    // The default goes through the same validation, so a bad table row fails at class load.
    this.defaultValue = type.validate(Objects.requireNonNull(defaultValue));
    this.doc = Objects.requireNonNull(doc);
  }

  /** {@code PUSHRING_} + the path upper-cased, with {@code .} and {@code -} as {@code _}. */
  public static String envNameOf(String path) {
    return ConfigKeys.ENV_PREFIX + path.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** Dotted path, e.g. {@code router.redirect-status}. */
  public String path() { return path; }

  /** e.g. {@code PUSHRING_ROUTER_REDIRECT_STATUS}. */
  public String envName() { return envName; }

  public T defaultValue() { return defaultValue; }

  /** The default as written in {@code pushring.yaml}, e.g. {@code 30s}, {@code []}, {@code ""}. */
  public String defaultText() { return type.format(defaultValue); }

  /** What the key does and which values it accepts, one line. */
  public String doc() { return doc; }

  T fromYaml(Object raw) { return type.fromYaml(raw); }

  T fromEnv(String raw) { return type.fromEnv(raw); }

  String format(T value) { return type.format(value); }

  @Override
  public String toString() { return path; }
}
