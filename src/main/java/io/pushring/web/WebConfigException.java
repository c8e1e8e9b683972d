package io.pushring.web;

/**
 * A web configuration file pushring refuses: {@link #key()} is the offending key's dotted path in
 * that file (e.g. {@code tls_server_config.client_auth_type}), or "" for the file as a whole. The
 * message never carries a password or a hash.
 */
public final class WebConfigException extends RuntimeException {
  private final String key;

  public WebConfigException(String key, String message) {
    super(key.isEmpty() ? message : key + ": " + message, null, false, false);
    this.key = key;
  }

  public String key() { return key; }
}
