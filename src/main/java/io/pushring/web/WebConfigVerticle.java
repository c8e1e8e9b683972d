package io.pushring.web;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link WebGuard} in step with its web configuration file: once a second, on a worker
 * thread, it stats the file and the files it names; when one changed it loads them all again and
 * installs the result (new users, headers, and certificate for the next handshakes), without a
 * restart. A reload that fails (a half-written certificate, a bad hash) is logged once, without any
 * secret, and the previous configuration stays in force; so does one that would switch TLS on or off,
 * which needs a restart (the listener is bound as HTTP or HTTPS).
 */
public final class WebConfigVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WebConfigVerticle.class);
  static final long CHECK_MILLIS = 1000;

  private final WebGuard guard;
  private long timer = -1;
  private boolean checking;
  /** The stamps of the last failed attempt: the same files are not tried (and logged) again until they change. */
  private java.util.Map<Path, FileStamp> failedAt;

  public WebConfigVerticle(WebGuard guard) {
    this.guard = guard;
  }

  /** Loads {@code file} (blocking: main or worker thread) into a guard; throws {@link WebConfigException}. */
  public static WebGuard load(Path file, io.vertx.core.Vertx vertx) {
    return new WebGuard(WebConfigLoader.load(file, vertx));
  }

  @Override
  public Future<?> start() {
    warnAboutCurves(guard.current());
    timer = vertx.setPeriodic(CHECK_MILLIS, id -> check());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) vertx.cancelTimer(timer);
    guard.close();
    return Future.succeededFuture();
  }

  /**
   * Java 17 cannot choose key-exchange groups per listener (SSLParameters.setNamedGroups came with
   * Java 20): only the JVM-wide {@code jdk.tls.namedGroups} can, so pushring says which value to set.
   */
  static void warnAboutCurves(WebSecurity s) {
    s.config().tls().ifPresent(tls -> {
      if (tls.curves().isEmpty()) return;
      String wanted = String.join(",", tls.curves());
      if (!wanted.equals(System.getProperty("jdk.tls.namedGroups"))) {
        LOG.warn("web config: tls_server_config.curve_preferences is not applied per listener by the JDK;"
            + " start the JVM with -Djdk.tls.namedGroups={} to enforce it (process-wide)", wanted);
      }
    });
  }

  private void check() {
    if (checking) return;
    checking = true;
    WebSecurity current = guard.current();
    vertx.executeBlocking(() -> reload(current), false).onComplete(ar -> {
      checking = false;
      if (ar.succeeded() && ar.result() != null) {
        WebSecurity next = ar.result();
        guard.install(next);
        LOG.info("web config reloaded from {}: tls {}{}, {} user(s), {} header(s)", next.file(),
            next.tls() ? "on, certificate " : "off", next.certificate(), next.config().users().size(),
            next.config().headers().size());
      } else if (ar.failed()) {
        LOG.warn("web config {} not reloaded, the previous one stays in force: {}", current.file(), ar.cause().getMessage());
      }
    });
  }

  /** Null when nothing changed (or the change was tried already); throws when the new files are refused. */
  private WebSecurity reload(WebSecurity current) {
    java.util.Map<Path, FileStamp> now = new java.util.LinkedHashMap<>();
    for (Path p : current.stamps().keySet()) now.put(p, FileStamp.of(p));
    if (now.equals(current.stamps()) || now.equals(failedAt)) return null;
    try {
      WebSecurity next = WebConfigLoader.load(current.file(), vertx, current.auth());
      if (next.tls() != current.tls()) {
        throw new WebConfigException("tls_server_config", "switching TLS " + (next.tls() ? "on" : "off")
            + " needs a restart");
      }
      failedAt = null;
      return next;
    } catch (RuntimeException e) {
      failedAt = now;
      throw e;
    }
  }
}
