package io.pushring.consul;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ACL token every Consul request carries: the fixed {@code consul.token}, or the content of
 * {@code consul.token-file}, re-read when the file changes (its modification time, size or file key
 * moved: a rename over it, as Kubernetes secret volumes and Vault agent do, counts) and when Consul
 * refuses the token (a rotation is often noticed by the 403 first). Reads happen on a worker thread,
 * never on an event loop; {@link #value()} is a volatile read, fit for every request.
 *
 * <p>The token is a secret: no log line, exception message or {@link #toString()} of this class
 * carries it; what is logged is that it changed, and where it came from.
 */
public final class ConsulToken {
  private static final Logger LOG = LoggerFactory.getLogger(ConsulToken.class);
  /** How often the file is looked at: a rotation takes effect within this (or at the first 403). */
  public static final long WATCH_MILLIS = 1_000;

  private final Path file;
  private volatile String value;
  /** What the file looked like at the last read; guarded by {@code this} (worker threads only). */
  private Object fileKey;
  private long modified = Long.MIN_VALUE;
  private long size = -1;
  private long timer = -1;
  private final java.util.List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  private ConsulToken(Path file, String value) {
    this.file = file;
    this.value = value;
  }

  /** {@code consul.token} as given (empty = no token). */
  public static ConsulToken fixed(String value) {
    return new ConsulToken(null, check(value, "consul.token"));
  }

  /**
   * From {@code settings}: the file if set (read once now, on a worker; fails with a message naming
   * the key and the file, never the content), else the fixed value.
   */
  public static Future<ConsulToken> open(Vertx vertx, ConsulSettings settings) {
    if (settings.tokenFile().isEmpty()) return Future.succeededFuture(fixed(settings.token()));
    ConsulToken token = new ConsulToken(Path.of(settings.tokenFile()), "");
    return vertx.executeBlocking(() -> {
      token.refresh(true);
      return token;
    });
  }

  /** The token to send now; "" = none. */
  public String value() {
    return value;
  }

  public boolean fromFile() {
    return file != null;
  }

  /** Starts looking at the file every {@link #WATCH_MILLIS}; nothing for a fixed token. */
  public synchronized void watch(Vertx vertx) {
    if (file == null || timer >= 0) return;
    timer = vertx.setPeriodic(WATCH_MILLIS, WATCH_MILLIS, t -> reload(vertx));
  }

  public synchronized void stopWatching(Vertx vertx) {
    if (timer >= 0) vertx.cancelTimer(timer);
    timer = -1;
  }

  /**
   * Runs {@code listener} (on a worker thread: hop to your context) each time the token changes
   * after the first read; returns what removes it.
   */
  public Runnable onChange(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Re-reads the file on a worker if it changed; true when the token changed. Fixed: false. */
  public Future<Boolean> reload(Vertx vertx) {
    if (file == null) return Future.succeededFuture(false);
    String before = value;
    return vertx.executeBlocking(() -> {
      try {
        refresh(false);
      } catch (IllegalStateException unreadable) {
        // Keep the token in use: a file half-way through a rotation must not cut the link.
        LOG.warn("{}; keeping the Consul ACL token read before", unreadable.getMessage());
      }
      return !before.equals(value);
    }, false);
  }

  private synchronized void refresh(boolean first) {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      long m = attributes.lastModifiedTime().toMillis();
      if (!first && m == modified && attributes.size() == size && Objects.equals(attributes.fileKey(), fileKey)) return;
      String read = Files.readString(file, StandardCharsets.UTF_8).strip();
      String checked = check(read, "consul.token-file " + file);
      if (checked.isEmpty()) throw new IllegalStateException("consul.token-file " + file + " is empty");
      modified = m;
      size = attributes.size();
      fileKey = attributes.fileKey();
      if (!checked.equals(value)) {
        if (!first) LOG.info("the Consul ACL token in {} changed: using the new one from now on", file);
        value = checked;
        if (!first) listeners.forEach(Runnable::run);
      }
    } catch (IOException e) {
      throw new IllegalStateException("consul.token-file: cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** A token goes into an HTTP header: visible ASCII only. The message never repeats it. */
  private static String check(String token, String where) {
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalStateException(where + ": the token holds a character that cannot go in an HTTP header"
            + " (position " + (i + 1) + ")");
      }
    }
    return token;
  }

  @Override
  public String toString() {
    return "ConsulToken[" + (file != null ? "file " + file : value.isEmpty() ? "none" : "consul.token") + "]";
  }
}
