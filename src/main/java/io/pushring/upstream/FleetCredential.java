package io.pushring.upstream;

import io.pushring.config.ConfigException;
import io.pushring.config.ConfigKeys;
import io.pushring.config.PushringConfig.UpstreamAuth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The fleet credential: the {@code Authorization} value pushring sends to every Pushgateway instead of
 * the client's, from {@code pushgateways.basic-auth.*} or {@code pushgateways.bearer-token-file}. The
 * secret lives in a file (as Prometheus' {@code password_file} / {@code bearer_token_file}) so it can
 * be rotated: {@link #refresh()} re-reads it, on a worker thread, and the next request carries the new
 * value. The value is in one volatile field, read per request; it is never logged, shown, or put in an
 * exception message (messages name the key and the file, never the content).
 */
public final class FleetCredential {
  /** A credential file larger than this is a mistake (a wrong path), not a password. */
  static final int MAX_FILE_BYTES = 64 << 10;
  private static final FleetCredential NONE = new FleetCredential(null, null, null, null);

  private final String username;   // null: bearer
  private final Path file;
  private final String key;        // the config key naming the file, for messages
  private volatile String authorization;

  private FleetCredential(String username, Path file, String key, String authorization) {
    this.username = username;
    this.file = file;
    this.key = key;
    this.authorization = authorization;
  }

  /** No fleet credential: the client's Authorization is forwarded, the reconciler sends none. */
  public static FleetCredential none() {
    return NONE;
  }

  /** Reads the file once (blocking). A missing, unreadable or empty file is a configuration error naming its key. */
  public static FleetCredential load(UpstreamAuth auth) {
    if (auth.none()) return NONE;
    boolean basic = !auth.username().isEmpty();
    String key = basic ? ConfigKeys.PUSHGATEWAYS_BASIC_AUTH_PASSWORD_FILE.path() : ConfigKeys.PUSHGATEWAYS_BEARER_TOKEN_FILE.path();
    Path file = Path.of(basic ? auth.passwordFile() : auth.bearerTokenFile());
    FleetCredential credential = new FleetCredential(basic ? auth.username() : null, file, key, null);
    try {
      credential.authorization = credential.read();
    } catch (IOException e) {
      throw new ConfigException(key, e.getMessage());
    }
    return credential;
  }

  /** The Authorization value to send, or null when there is no fleet credential. */
  public String authorization() {
    return authorization;
  }

  public boolean configured() {
    return file != null;
  }

  /** The file holding the secret (null when none): for log lines. */
  public Path file() {
    return file;
  }

  /**
   * Re-reads the file (blocking: call it on a worker). True when the credential changed. On failure
   * the last credential stays in use and the IOException says why (never with the content).
   */
  public boolean refresh() throws IOException {
    if (file == null) return false;
    String next = read();
    if (next.equals(authorization)) return false;
    authorization = next;
    return true;
  }

  private String read() throws IOException {
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_FILE_BYTES) throw new IOException("is larger than " + MAX_FILE_BYTES + " bytes");
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      // The JDK's messages name the file only; the class says what went wrong (NoSuchFileException, AccessDeniedException).
      throw new IOException("cannot read " + file + ": " + e.getClass().getSimpleName()
          + (e.getMessage() != null && !e.getMessage().equals(file.toString()) ? " " + e.getMessage() : ""), null);
    }
    // Surrounding whitespace (the newline an editor or `echo` adds) is not part of the secret, as in Prometheus.
    String secret = new String(bytes, StandardCharsets.UTF_8).strip();
    if (username == null) {
      if (secret.isEmpty()) throw new IOException(file + " is empty (a bearer token is needed)");
      return "Bearer " + secret;
    }
    return "Basic " + Base64.getEncoder().encodeToString((username + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }
}
