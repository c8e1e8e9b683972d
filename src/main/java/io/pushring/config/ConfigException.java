package io.pushring.config;

/** An invalid configuration: {@link #getMessage()} is the one line printed before exit status 2. */
public final class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String message) {
    this(key, key, message);
  }

  private ConfigException(String key, String label, String message) {
    super(label + ": " + message, null, false, false);
    this.key = key;
  }

  /** A bad value given by an environment variable: {@code "http.port (PUSHRING_HTTP_PORT): ..."}. */
  static ConfigException fromEnv(String key, String envName, String message) {
    return new ConfigException(key, key + " (" + envName + ")", message);
  }

  /**
   * The offending key path, e.g. {@code router.redirect-status} (also when its value came from the
   * environment), an unknown environment variable's name, the configuration file, or a command-line
   * argument.
   */
  public String key() { return key; }
}
