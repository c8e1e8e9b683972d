package io.pushring.config;

/** An invalid configuration: {@link #getMessage()} is the one line printed before exit status 2. */
public final class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String message) {
    super(key + ": " + message, null, false, false);
    this.key = key;
  }

  /** The offending key path, e.g. {@code router.redirect-status}, or the environment variable name. */
  public String key() { return key; }
}
