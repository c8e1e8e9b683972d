package io.pushring.router;

import io.pushring.config.PushringConfig;
import io.pushring.ring.Member;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.ConnectException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;

/**
 * Proxy mode: streams one push to the Pushgateway that owns it and the answer back, chunk by chunk
 * with back-pressure both ways, so no body is ever held whole (a 5 MB push crosses with a few
 * 64 KiB buffers in flight).
 *
 * <p><b>Why core {@code HttpClient} and not vertx-http-proxy.</b> Measured with wrk against nginx
 * ({@code make bench-proxy}, 2-core machine shared with other work, PUT of a 33-byte body), this
 * forwarder and {@code HttpProxy.reverseProxy(client).origin(OriginRequestProvider.selector(..))}
 * (same parse + ring lookup, {@code bench/HttpProxyVariant}) were within the run-to-run noise of each
 * other: 11.9k/13.8k/7.0k vs 9.9k/14.0k/9.8k requests/s at 16/64/256 connections in one run,
 * 8.4k/14.3k vs 5.5k/8.0k (256/64) in the next. What decided was behaviour: vertx-http-proxy copies
 * every request's headers into a fresh map, answers every failure 502 (no 504 for a timeout), adds
 * no {@code X-Forwarded-For}/{@code -Proto}, keeps headers named in {@code Connection}, has no body
 * limit, and its only timeout is the client's idle timeout, which counts bytes received and so fires
 * during a long upload that keeps flowing. Each would be an interceptor around its pipe; here they
 * are plain code in one class.
 *
 * <p><b>Never retried on another member</b>: the owner is the only Pushgateway allowed to hold the
 * group; writing it elsewhere would create the second copy that pushring exists to prevent (stale
 * series scraped next to fresh ones). A failed push is reported (502/504) and the client retries.
 *
 * <p>One instance per router verticle, with its own pooled keep-alive client: connections stay on
 * the verticle's event loop, one pool per member ({@code host:port}).
 */
final class ProxyForwarder {
  /** Connections per member and router verticle; beyond this, requests queue for a free one. */
  static final int POOL_SIZE_PER_MEMBER = 64;

  private static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized("X-Forwarded-For");
  private static final CharSequence X_FORWARDED_PROTO = HttpHeaders.createOptimized("X-Forwarded-Proto");
  private static final CharSequence X_FORWARDED_HOST = HttpHeaders.createOptimized("X-Forwarded-Host");
  private static final CharSequence CLOSE = HttpHeaders.createOptimized("close");

  /** What proxying needs from the configuration. */
  record Settings(int maxBody, long timeoutMillis, boolean ssl) {
    static Settings from(PushringConfig config) {
      return new Settings(config.router().maxBody(), config.router().proxyTimeout().toMillis(),
          "https".equals(config.pushgateways().scheme()));
    }
  }

  private final Vertx vertx;
  private final Settings settings;
  private final HttpClientAgent client;
  /** Each member's socket address, made once, not per push; ring members are stable instances. */
  private final Map<Member, SocketAddress> addresses = new IdentityHashMap<>();
  private final long sweeper;

  ProxyForwarder(Vertx vertx, Settings settings) {
    this.vertx = vertx;
    this.settings = settings;
    this.client = vertx.createHttpClient(
        new HttpClientOptions()
            .setKeepAlive(true)
            .setKeepAliveTimeout(30)
            .setTcpNoDelay(true)
            // Bodies pass through untouched: never ask for, nor undo, a content encoding.
            .setDecompressionSupported(false)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeoutMillis())),
        new PoolOptions().setHttp1MaxSize(POOL_SIZE_PER_MEMBER));
    // Timeouts are found within a tenth of router.proxy-timeout (10 ms .. 1 s).
    long tick = Math.max(10, Math.min(1000, settings.timeoutMillis() / 10));
    this.sweeper = vertx.setPeriodic(tick, id -> sweep());
  }

  Future<Void> close() {
    vertx.cancelTimer(sweeper);
    return client.close();
  }

  /**
   * Forwards {@code req} (already validated and routed to {@code owner}) and streams the answer.
   * Must be called from the request's handler, before anything read its body. {@code answered}
   * gets the status once it is known: the owner's, 413, 502, 504, or {@link #CLIENT_CLOSED}.
   */
  void forward(HttpServerRequest req, Member owner, IntConsumer answered) {
    HttpServerResponse response = req.response();
    long declared = contentLength(req);
    if (declared > settings.maxBody()) {
      tooLarge(response, declared);
      answered.accept(413);
      return;
    }
    req.pause();
    new Exchange(req, response, answered).start(owner);
  }

  /** The status reported for a push whose client went away before it was answered (nginx's convention). */
  static final int CLIENT_CLOSED = 499;

  private SocketAddress addressOf(Member member) {
    SocketAddress address = addresses.get(member);
    if (address == null) {
      if (addresses.size() >= 4096) addresses.clear();   // members of rings long gone
      address = SocketAddress.inetSocketAddress(member.port(), member.host());
      addresses.put(member, address);
    }
    return address;
  }

  private void tooLarge(HttpServerResponse response, long size) {
    // The body is not read: close the connection after the answer rather than drain megabytes.
    response.putHeader(HttpHeaders.CONNECTION, CLOSE);
    PushHandler.text(response, 413, "push body of " + size + " bytes exceeds router.max-body ("
        + settings.maxBody() + " bytes)");
  }

  /** The state of one proxied push; touched only on the request's event loop. */
  private final class Exchange {
    private final HttpServerRequest req;
    private final HttpServerResponse response;
    private HttpClientRequest upstream;
    private long received;
    private long lastActivity = System.nanoTime();
    private Exchange previous;   // the in-flight list the sweeper walks
    private Exchange next;
    private boolean finished;
    private final IntConsumer answered;
    private boolean reported;

    Exchange(HttpServerRequest req, HttpServerResponse response, IntConsumer answered) {
      this.req = req;
      this.response = response;
      this.answered = answered;
    }

    private void report(int status) {
      if (reported) return;
      reported = true;
      answered.accept(status);
    }

    void start(Member owner) {
      // A client gone before the answer: abort the upstream request, so a half-sent push is not applied.
      response.closeHandler(v -> {
        if (!finished) abort(null);
      });
      RequestOptions options = new RequestOptions()
          .setMethod(req.method())
          .setServer(addressOf(owner))
          .setHost(owner.host())
          .setPort(owner.port())
          .setSsl(settings.ssl())
          // Path exactly as received (still percent-encoded) and the original query.
          .setURI(req.query() == null ? req.path() : req.path() + '?' + req.query());
      link(this);
      client.request(options).onComplete(this::connected);
    }

    private void connected(AsyncResult<HttpClientRequest> ar) {
      if (finished) {
        if (ar.succeeded()) ar.result().reset();
        return;
      }
      if (ar.failed()) {
        fail(ar.cause());
        return;
      }
      upstream = ar.result();
      copyRequestHeaders(req, upstream.headers());
      String chunked = req.getHeader(HttpHeaders.TRANSFER_ENCODING);
      if (chunked != null && chunked.toLowerCase().contains("chunked")) upstream.setChunked(true);
      upstream.exceptionHandler(this::fail);
      upstream.response().onComplete(this::answered);
      req.exceptionHandler(t -> abort(null));
      req.handler(this::bodyChunk);
      req.endHandler(v -> {
        touch();
        if (!finished) upstream.end();
      });
      if (expectsContinue(req)) response.writeContinue();
      req.resume();
    }

    private void bodyChunk(Buffer chunk) {
      touch();
      if (finished) return;   // answered already (upstream replied early, or failed): discard the rest
      received += chunk.length();
      if (received > settings.maxBody()) {
        // A chunked body that grew too large: reset upstream so the Pushgateway never sees a
        // complete request and applies nothing.
        done();
        upstream.reset();
        if (!response.headWritten()) tooLarge(response, received);
        else response.reset();
        report(413);
        return;
      }
      upstream.write(chunk);
      if (upstream.writeQueueFull()) {
        req.pause();
        upstream.drainHandler(v -> req.resume());
      }
    }

    private void answered(AsyncResult<HttpClientResponse> ar) {
      if (finished) return;
      if (ar.failed()) {
        fail(ar.cause());
        return;
      }
      touch();
      HttpClientResponse answer = ar.result();
      report(answer.statusCode());
      response.setStatusCode(answer.statusCode());
      response.setStatusMessage(answer.statusMessage());
      copyResponseHeaders(answer.headers(), response.headers());
      if (!response.headers().contains(HttpHeaders.CONTENT_LENGTH) && answer.statusCode() != 204
          && answer.statusCode() != 304) {
        response.setChunked(true);
      }
      answer.exceptionHandler(this::fail);
      answer.handler(chunk -> {
        touch();
        response.write(chunk);
        if (response.writeQueueFull()) {
          answer.pause();
          response.drainHandler(v -> answer.resume());
        }
      });
      answer.endHandler(v -> {
        done();
        response.end();
        // Upstream answered before the client finished its body (an error, typically): read and
        // drop the rest so the client sees the answer instead of a stalled upload.
        req.resume();
      });
    }

    /** Upstream refused, reset, timed out or broke mid-answer. */
    private void fail(Throwable cause) {
      if (finished) return;
      done();
      if (upstream != null) upstream.reset();
      if (response.headWritten()) {
        // Part of the answer is out: only cutting the connection tells the client it is incomplete.
        response.reset();
        return;
      }
      boolean timeout = isTimeout(cause);
      report(timeout ? 504 : 502);
      response.putHeader(HttpHeaders.CONNECTION, CLOSE);
      PushHandler.text(response, timeout ? 504 : 502, timeout
          ? "Pushgateway did not answer within router.proxy-timeout: " + describe(cause)
          : "Pushgateway unreachable: " + describe(cause) + " (not retried elsewhere: the group belongs to this Pushgateway)");
      req.resume();
    }

    /** The client went away: stop the upstream request; there is no one to answer. */
    private void abort(Throwable cause) {
      if (finished) return;
      done();
      report(CLIENT_CLOSED);
      if (upstream != null) upstream.reset();
    }

    private void touch() {
      lastActivity = System.nanoTime();
    }

    /** Finished, one way or another: no more timeouts, no more forwarding. */
    private void done() {
      finished = true;
      unlink(this);
    }
  }

  // ---- timeouts ----

  /**
   * Every in-flight exchange of this verticle, oldest first: one periodic sweep checks them all for
   * silence on both sides (no timer per push), so a long upload that keeps flowing never times out.
   */
  private Exchange first;
  private Exchange last;

  private void link(Exchange e) {
    e.previous = last;
    if (last == null) first = e;
    else last.next = e;
    last = e;
  }

  private void unlink(Exchange e) {
    if (e.previous == null && first != e) return;   // not linked (already unlinked)
    if (e.previous == null) first = e.next;
    else e.previous.next = e.next;
    if (e.next == null) last = e.previous;
    else e.next.previous = e.previous;
    e.previous = null;
    e.next = null;
  }

  private void sweep() {
    long now = System.nanoTime();
    long timeoutNanos = settings.timeoutMillis() * 1_000_000L;
    for (Exchange e = first; e != null; ) {
      Exchange following = e.next;   // fail() unlinks e
      long idle = now - e.lastActivity;
      if (idle >= timeoutNanos) {
        e.fail(new TimeoutException("no byte from or to the Pushgateway for " + idle / 1_000_000 + " ms"));
      }
      e = following;
    }
  }

  // ---- headers ----

  /** Hop-by-hop headers (RFC 9110 §7.6.1) and those the connection to the member re-creates. */
  static boolean isHopByHop(String name) {
    switch (name.length()) {
      case 2: return name.equalsIgnoreCase("te");
      case 4: return name.equalsIgnoreCase("host");
      case 6: return name.equalsIgnoreCase("expect");
      case 7: return name.equalsIgnoreCase("upgrade") || name.equalsIgnoreCase("trailer");
      case 10: return name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
      case 16: return name.equalsIgnoreCase("proxy-connection");
      case 17: return name.equalsIgnoreCase("transfer-encoding");
      case 18: return name.equalsIgnoreCase("proxy-authenticate");
      case 19: return name.equalsIgnoreCase("proxy-authorization");
      default: return false;
    }
  }

  /** Headers the {@code Connection} header names are hop-by-hop too ({@code Connection: close, X-Foo}). */
  static boolean namedByConnection(String connection, String name) {
    if (connection == null) return false;
    int from = 0;
    while (from <= connection.length()) {
      int comma = connection.indexOf(',', from);
      int end = comma < 0 ? connection.length() : comma;
      if (connection.substring(from, end).strip().equalsIgnoreCase(name)) return true;
      if (comma < 0) return false;
      from = comma + 1;
    }
    return false;
  }

  /**
   * End-to-end headers kept as sent (Authorization, Content-Type, Content-Encoding, Content-Length,
   * User-Agent, ...); hop-by-hop ones dropped; {@code X-Forwarded-For} appended to,
   * {@code X-Forwarded-Proto}/{@code -Host} set unless a proxy in front already set them.
   */
  static void copyRequestHeaders(HttpServerRequest req, MultiMap out) {
    MultiMap in = req.headers();
    String connection = in.get(HttpHeaders.CONNECTION);
    String forwardedFor = null;
    for (Map.Entry<String, String> header : in) {
      String name = header.getKey();
      if (isHopByHop(name) || namedByConnection(connection, name)) continue;
      if (name.equalsIgnoreCase("x-forwarded-for")) {
        forwardedFor = forwardedFor == null ? header.getValue() : forwardedFor + ", " + header.getValue();
        continue;
      }
      out.add(name, header.getValue());
    }
    SocketAddress remote = req.remoteAddress();
    String client = remote == null ? null : remote.hostAddress();
    if (client != null) out.set(X_FORWARDED_FOR, forwardedFor == null ? client : forwardedFor + ", " + client);
    else if (forwardedFor != null) out.set(X_FORWARDED_FOR, forwardedFor);
    if (!out.contains(X_FORWARDED_PROTO)) out.set(X_FORWARDED_PROTO, req.scheme() == null ? "http" : req.scheme());
    String host = in.get(HttpHeaders.HOST);
    if (host != null && !out.contains(X_FORWARDED_HOST)) out.set(X_FORWARDED_HOST, host);
  }

  static void copyResponseHeaders(MultiMap in, MultiMap out) {
    String connection = in.get(HttpHeaders.CONNECTION);
    for (Map.Entry<String, String> header : in) {
      String name = header.getKey();
      if (isHopByHop(name) || namedByConnection(connection, name)) continue;
      out.add(name, header.getValue());
    }
  }

  private static long contentLength(HttpServerRequest req) {
    String value = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (value == null) return -1;
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return -1;   // the HTTP codec has already refused malformed lengths
    }
  }

  private static boolean expectsContinue(HttpServerRequest req) {
    String expect = req.getHeader(HttpHeaders.EXPECT);
    return expect != null && expect.equalsIgnoreCase("100-continue");
  }

  static boolean isTimeout(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException || t instanceof io.netty.channel.ConnectTimeoutException
          || t instanceof java.net.SocketTimeoutException) {
        return true;
      }
      if (t.getClass().getSimpleName().contains("Timeout")) return true;
    }
    return false;
  }

  private static String describe(Throwable cause) {
    if (cause instanceof ConnectException || cause.getCause() instanceof ConnectException) {
      return "connection refused (" + cause.getMessage() + ")";
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
