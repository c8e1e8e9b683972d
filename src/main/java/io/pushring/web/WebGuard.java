package io.pushring.web;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the web configuration enforces on a listener, in front of every route: the configured headers on
 * every answer, then Basic authentication when the file lists users. Shared by the router verticles of
 * the listener; {@link WebConfigVerticle} swaps the {@link WebSecurity} it reads when the files change.
 *
 * <p>On the event loop a request costs one volatile read and, with users, one hash-map lookup of its
 * {@code Authorization} value. A value not seen before is verified by bcrypt on the
 * {@code pushring-bcrypt} threads (never on an event loop), while the request is paused; concurrent
 * requests carrying the same new value share one check. When too many checks wait (a flood of
 * guesses), a request is answered 503 with {@code Retry-After: 1} rather than queued without end.
 */
public final class WebGuard {
  private static final Logger LOG = LoggerFactory.getLogger(WebGuard.class);
  /** Checks waiting for a bcrypt thread at most; more get 503. */
  static final int MAX_WAITING_CHECKS = 1024;

  private volatile WebSecurity current;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<Key, CompletableFuture<Boolean>> inflight = new ConcurrentHashMap<>();
  private final ThreadPoolExecutor bcrypt;

  /** The verdict being reached for one header value under one set of users. */
  private record Key(BasicAuth auth, String authorization) {}

  public WebGuard(WebSecurity initial) {
    this.current = initial;
    AtomicInteger n = new AtomicInteger();
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    // Daemon threads: a stuck check never holds the JVM up at exit.
    this.bcrypt = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(MAX_WAITING_CHECKS), r -> {
          Thread t = new Thread(r, "pushring-bcrypt-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  public WebSecurity current() { return current; }

  /** Installs a reloaded configuration: new requests use it, and the listener's TLS takes its certificate. */
  void install(WebSecurity next) {
    WebSecurity previous = current;
    current = next;
    if (next.ssl() != null && !next.ssl().equals(previous.ssl())) {
      for (HttpServer server : servers) {
        // Shared port: every instance hands the update to the one actual server; equal options are not rebuilt.
        server.updateSSLOptions(next.ssl(), false).onFailure(e ->
            LOG.warn("web config: the listener kept its previous TLS settings: {}", e.getMessage()));
      }
    }
  }

  /** A listener whose TLS follows the reloads (its verticle calls {@link #unregister} when it stops). */
  public void register(HttpServer server) { servers.add(server); }

  public void unregister(HttpServer server) { servers.remove(server); }

  void close() {
    bcrypt.shutdownNow();
  }

  /**
   * Applies the configured headers, then lets {@code next} handle the request if it may: at once when
   * no users are configured or the credentials were verified before, else after the check.
   */
  public void handle(HttpServerRequest req, Handler<HttpServerRequest> next) {
    WebSecurity s = current;
    Map<String, String> headers = s.config().headers();
    if (!headers.isEmpty()) {
      HttpServerResponse response = req.response();
      headers.forEach(response::putHeader);
    }
    BasicAuth auth = s.auth();
    if (auth == null) {
      next.handle(req);
      return;
    }
    String authorization = req.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization == null) {
      unauthorized(req);
      return;
    }
    Boolean verdict = auth.cached(authorization);
    if (verdict != null) {
      if (verdict) next.handle(req);
      else unauthorized(req);
      return;
    }
    CompletableFuture<Boolean> check;
    try {
      check = verify(auth, authorization);
    } catch (RejectedExecutionException e) {
      req.response().putHeader("Retry-After", "1");
      text(req.response(), 503, "Service Unavailable");
      return;
    }
    // The body must wait for the verdict (else it would be read, and lost, before a handler is set).
    req.pause();
    Context context = Vertx.currentContext();
    check.whenComplete((ok, error) -> context.runOnContext(v -> {
      if (req.response().closed()) return;
      if (Boolean.TRUE.equals(ok)) next.handle(req);
      else unauthorized(req);
      req.resume();
    }));
  }

  private CompletableFuture<Boolean> verify(BasicAuth auth, String authorization) {
    Key key = new Key(auth, authorization);
    CompletableFuture<Boolean> mine = new CompletableFuture<>();
    CompletableFuture<Boolean> existing = inflight.putIfAbsent(key, mine);
    if (existing != null) return existing;
    try {
      bcrypt.execute(() -> {
        try {
          mine.complete(auth.verify(authorization));
        } catch (Throwable t) {
          mine.complete(false);
        } finally {
          inflight.remove(key, mine);
        }
      });
    } catch (RejectedExecutionException e) {
      inflight.remove(key, mine);
      throw e;
    }
    return mine;
  }

  /** As the toolkit answers: 401, {@code WWW-Authenticate: Basic}, Go's http.Error body "Unauthorized". */
  static void unauthorized(HttpServerRequest req) {
    req.response().putHeader("WWW-Authenticate", "Basic");
    text(req.response(), 401, "Unauthorized");
  }

  private static void text(HttpServerResponse response, int status, String message) {
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .putHeader("X-Content-Type-Options", "nosniff")
        .end(message + "\n");
  }
}
