package io.pushring.proxy;

import io.pushring.ring.Member;
import io.pushring.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.SocketAddress;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;

/**
 * Proxy mode: forwards one push to the Pushgateway that owns it and streams the answer back. The
 * parts: {@link Exchange} (one push, its state machine), {@link InFlight} (deadlines, one sweep for
 * all), {@link HeaderPolicy} (what crosses), {@link ProxyFailure} (every failure with its status),
 * {@link AbandonedBody} (why an abandoned push is never stored), {@link MemberAddresses}.
 *
 * <p><b>Why core {@code HttpClient} and not vertx-http-proxy.</b> Both measured within noise of
 * each other in {@code make bench-proxy} (figures in the README). What decided was behaviour:
 * vertx-http-proxy answers every failure 502 (no 504/408), adds no {@code X-Forwarded-For}/{@code
 * -Proto}, keeps headers named in {@code Connection}, has no body limit, copies the client's framing,
 * and its only timeout is the client's idle timeout. Each would be an interceptor around its pipe.
 *
 * <p><b>Retried on another member only when the owner refused the connection</b> (nothing was
 * sent): to the {@link Fallback}, the member that owns the key once the refusing one leaves the
 * ring. Never after a byte went out, never on a timeout or an error answer: the owner may have
 * stored the push, and a second copy elsewhere is what pushring exists to prevent.
 *
 * <p>One instance per router verticle, created on its event loop, with its own pooled keep-alive
 * client: connections stay on that event loop, one pool per member ({@code host:port}).
 */
public final class ProxyForwarder {
  /** Connections per member and router verticle; beyond this, requests queue for a free one. */
  public static final int POOL_SIZE_PER_MEMBER = 64;

  /** The status reported for a push whose client went away before it was answered. */
  public static final int CLIENT_CLOSED = ProxyFailure.CLIENT_CLOSED;

  private final Vertx vertx;
  private final ProxySettings settings;
  private final Upstream upstream;
  private final HttpClientAgent client;
  private final HttpClientAgent freshClient;
  private final MemberAddresses addresses = new MemberAddresses();
  private final InFlight inFlight = new InFlight();
  private final long sweeper;

  public ProxyForwarder(Vertx vertx, ProxySettings settings, Upstream upstream) {
    this(vertx, settings, upstream, UnaryOperator.identity());
  }

  /** {@code connections} wraps both clients: for tests that make connections fail in ways a kernel does rarely. */
  ProxyForwarder(Vertx vertx, ProxySettings settings, Upstream upstream, UnaryOperator<HttpClientAgent> connections) {
    this.vertx = vertx;
    this.settings = settings;
    this.upstream = upstream;
    this.client = connections.apply(vertx.createHttpClient(
        upstream.configure(new HttpClientOptions())
            .setKeepAlive(true)
            .setKeepAliveTimeout(30)
            .setTcpNoDelay(true)
            // Bodies pass through untouched: never ask for, nor undo, a content encoding.
            .setDecompressionSupported(false)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeoutMillis())),
        new PoolOptions().setHttp1MaxSize(POOL_SIZE_PER_MEMBER)));
    // For a resend only (a connection that broke before the answer): a pooled connection to a
    // Pushgateway killed an instant ago may be just as dead as the one that broke, its close not yet
    // read; a new connection is refused at once instead, and the push goes to the next owner.
    this.freshClient = connections.apply(vertx.createHttpClient(
        upstream.configure(new HttpClientOptions())
            .setKeepAlive(false)
            .setTcpNoDelay(true)
            .setDecompressionSupported(false)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeoutMillis())),
        new PoolOptions().setHttp1MaxSize(POOL_SIZE_PER_MEMBER)));
    // Deadlines are found within a tenth of the shorter timeout (10 ms .. 1 s).
    long shorter = Math.min(settings.timeoutMillis(), settings.uploadTimeoutMillis());
    long tick = Math.max(10, Math.min(1000, shorter / 10));
    this.sweeper = vertx.setPeriodic(tick, id -> inFlight.sweep(System.nanoTime()));
  }

  public Future<Void> close() {
    vertx.cancelTimer(sweeper);
    return Future.join(client.close(), freshClient.close()).mapEmpty();
  }

  /**
   * Forwards {@code req} (already validated and routed to {@code owner}) and streams the answer.
   * Must be called from the request's handler, before anything read its body. {@code answered}
   * gets the status once it is known: the owner's, 408, 413, 502, 504, or {@link #CLIENT_CLOSED}.
   */
  public void forward(HttpServerRequest req, Member owner, IntConsumer answered) {
    forward(req, owner, answered, null);
  }

  /** As {@link #forward(HttpServerRequest, Member, IntConsumer)}; a refused connection goes to {@code fallback} (null: none). */
  public void forward(HttpServerRequest req, Member owner, IntConsumer answered, Fallback fallback) {
    if (!HeaderPolicy.isSendableTarget(req.path()) || !HeaderPolicy.isSendableTarget(req.query())) {
      ProxyFailure bad = ProxyFailure.unsendableTarget();
      bad.answer(req, true);
      answered.accept(bad.status());
      return;
    }
    long declared = HeaderPolicy.declaredLength(req.headers());
    if (declared > settings.maxBody()) {
      // The body is not read: an HTTP/1.x connection is closed after the answer rather than drained.
      ProxyFailure tooLarge = ProxyFailure.tooLarge(declared, settings.maxBody());
      tooLarge.answer(req, true);
      answered.accept(tooLarge.status());
      return;
    }
    int bufferLimit = HeaderPolicy.isEncoded(req.headers()) ? settings.maxBody() : settings.bufferBytes();
    new Exchange(this, req, owner, answered, bufferLimit, fallback).start();
  }

  // ---- for Exchange ----

  Vertx vertx() {
    return vertx;
  }

  ProxySettings settings() {
    return settings;
  }

  HttpClientAgent client() {
    return client;
  }

  /** A client that opens a new connection for every request (never a pooled one): for resends. */
  HttpClientAgent freshClient() {
    return freshClient;
  }

  Upstream upstream() {
    return upstream;
  }

  InFlight inFlight() {
    return inFlight;
  }

  SocketAddress addressOf(Member member) {
    return addresses.of(member);
  }
}
