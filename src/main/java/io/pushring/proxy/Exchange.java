package io.pushring.proxy;

import io.pushring.ring.Member;
import io.vertx.core.AsyncResult;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.util.function.IntConsumer;

/**
 * One proxied push, from the client's first body byte to the end of the owner's answer. Touched only
 * on the request's event loop.
 *
 * <p>The body is <b>received</b> into memory until it is complete or passes the buffer size; only
 * then is a connection taken from the member's pool, so a slow or stalled client never holds one
 * while it trickles a small push. A complete small body goes out with its exact
 * {@code Content-Length}; a larger one is <b>streamed</b> chunked, with back-pressure both ways.
 * A streamed body that is abandoned ({@link #fail}) is poisoned, then cut ({@link AbandonedBody}),
 * so the Pushgateway rejects it instead of storing the lines it got.
 */
final class Exchange {
  /** For a request pushring resets itself: the reset is not news (Vert.x logs an unhandled one). */
  private static final io.vertx.core.Handler<Throwable> IGNORE = t -> { };
  /** What {@link #sentWhole} holds for a request sent without a body (a resend says Content-Length: 0). */
  private static final Buffer NO_BODY = Buffer.buffer(0);

  private final ProxyForwarder proxy;
  private final HttpServerRequest req;
  private final HttpServerResponse response;
  private Member owner;            // the fallback once the owner refused the connection
  private final IntConsumer answered;
  private final Fallback fallback;
  private boolean fellBack;
  private final int bufferLimit;
  private final long startedNanos;
  private long lastActivity;

  // the intrusive in-flight list (InFlight)
  Exchange previous;
  Exchange next;

  private Buffer body;            // received and not yet forwarded
  private boolean bodyCopied;     // body is our own growing buffer, not the first chunk itself
  private long received;
  private boolean bodyComplete;
  private boolean streaming;      // the body goes out chunked as it arrives
  private boolean connecting;
  private HttpClientRequest upstream;
  private boolean upstreamEnded;
  private boolean waitingForUpstream;   // the client is paused because the owner's write queue is full
  private boolean answering;      // the owner's answer head arrived: it has decided
  private boolean done;
  private boolean reported;
  private Buffer sentWhole;       // a small body sent whole, kept (a reference) for one resend
  /** Waits before each send again after a broken connection (see {@link #broke}). */
  private static final long[] RESEND_DELAYS_MILLIS = {0, 100, 400, 1000, 2000};

  private int resends;            // sends again after a broken connection, at most RESEND_DELAYS_MILLIS.length
  private int connections;        // connections asked for, to any owner: for a failure's message

  Exchange(ProxyForwarder proxy, HttpServerRequest req, Member owner, IntConsumer answered, int bufferLimit,
      Fallback fallback) {
    this.proxy = proxy;
    this.fallback = fallback;
    this.req = req;
    this.response = req.response();
    this.owner = owner;
    this.answered = answered;
    this.bufferLimit = bufferLimit;
    this.startedNanos = System.nanoTime();
    this.lastActivity = startedNanos;
  }

  /** Called from the request handler, before anything read the body. */
  void start() {
    proxy.inFlight().add(this);
    response.closeHandler(v -> fail(ProxyFailure.clientGone()));
    req.exceptionHandler(t -> fail(ProxyFailure.clientGone()));
    req.handler(this::bodyChunk);
    req.endHandler(v -> bodyEnded());
    if (HeaderPolicy.expectsContinue(req.headers())) response.writeContinue();
  }

  // ---- the client's body ----

  private void bodyChunk(Buffer chunk) {
    if (done || answering) return;   // answered already: read and drop the rest
    lastActivity = System.nanoTime();
    received += chunk.length();
    if (received > proxy.settings().maxBody()) {
      fail(ProxyFailure.tooLarge(received, proxy.settings().maxBody()));
      return;
    }
    if (upstream != null && streaming) {
      sendChunk(chunk);
      return;
    }
    keep(chunk);
    if (!streaming && body.length() > bufferLimit) {
      // Too large to hold: from here on the body flows through, so a connection is worth taking now.
      streaming = true;
      req.pause();
      connect();
    }
  }

  private void keep(Buffer chunk) {
    if (body == null) {
      body = chunk;   // the common one-chunk push: no copy (the server hands out a buffer of its own)
    } else {
      if (!bodyCopied) {
        body = Buffer.buffer((int) Math.min(bufferLimit + (long) chunk.length(), 2L * (body.length() + chunk.length())))
            .appendBuffer(body);
        bodyCopied = true;
      }
      body.appendBuffer(chunk);
    }
  }

  private void bodyEnded() {
    if (done) return;
    lastActivity = System.nanoTime();
    bodyComplete = true;
    if (answering) return;
    if (upstream != null) {
      upstreamEnded = true;
      upstream.end();
    } else if (!connecting) {
      connect();   // received whole: only now is a connection taken
    }
  }

  private void sendChunk(Buffer chunk) {
    upstream.write(chunk);
    if (upstream.writeQueueFull()) {
      waitingForUpstream = true;
      req.pause();
      upstream.drainHandler(v -> {
        waitingForUpstream = false;
        lastActivity = System.nanoTime();
        if (!done) req.resume();
      });
    }
  }

  // ---- the owner ----

  private void connect() {
    connecting = true;
    connections++;
    RequestOptions options = new RequestOptions()
        .setMethod(req.method())
        .setServer(proxy.addressOf(owner))
        // The TLS peer name (pushgateways.tls.server-name, else the owner's host); plain http: the Host header.
        .setHost(proxy.upstream().tlsHost(owner))
        .setPort(owner.port())
        .setSsl(proxy.upstream().ssl())
        // Path exactly as received (still percent-encoded) and the original query.
        .setURI(req.query() == null ? req.path() : req.path() + '?' + req.query());
    // After a broken connection, never a pooled one (see ProxyForwarder#freshClient).
    (resends > 0 ? proxy.freshClient() : proxy.client()).request(options).onComplete(this::connected);
  }

  private void connected(AsyncResult<HttpClientRequest> ar) {
    connecting = false;
    if (done) {
      if (ar.succeeded()) {   // given up while connecting: nothing was sent on it
        ar.result().exceptionHandler(IGNORE);
        ar.result().reset();
      }
      return;
    }
    if (ar.failed()) {
      if (fallback != null && !fellBack && ProxyFailure.refused(ar.cause())) {
        fallBack(ar.cause());
        return;
      }
      // Accepted, then reset before pushring could use it: a dying owner's listener (see #broke).
      // Nothing was sent, so any push may go again, a POST or a streamed one too.
      if (ProxyFailure.resetWhileConnecting(ar.cause()) && connectAgainLater()) return;
      fail(ProxyFailure.connectFailed(ar.cause(), connections));
      return;
    }
    lastActivity = System.nanoTime();
    upstream = ar.result();
    HeaderPolicy.copyRequestHeaders(req, upstream.headers());
    if (proxy.upstream().serverName() != null) upstream.authority(HostAndPort.create(owner.host(), owner.port()));
    // The fleet credential, when configured, replaces whatever Authorization the client sent.
    String fleet = proxy.upstream().credential().authorization();
    if (fleet != null) upstream.headers().set(HttpHeaders.AUTHORIZATION, fleet);
    HttpClientRequest attempt = upstream;
    // A resend replaces upstream: what the abandoned attempt reports afterwards is not news.
    attempt.exceptionHandler(t -> {
      if (attempt == upstream) broke(t);
    });
    attempt.response().onComplete(r -> {
      if (attempt == upstream) answered(r);
    });
    Buffer kept = body;
    body = null;
    if (!streaming) {
      upstreamEnded = true;
      if (kept == null && received == 0 && HeaderPolicy.declaredLength(req.headers()) < 0) {
        sentWhole = NO_BODY;
        upstream.end();   // no body at all (a DELETE, typically)
      } else {
        Buffer whole = kept == null ? Buffer.buffer() : kept;
        upstream.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(whole.length()));
        sentWhole = whole;
        upstream.end(whole);
      }
      return;
    }
    upstream.setChunked(true);
    if (kept != null) sendChunk(kept);
    if (bodyComplete) {
      upstreamEnded = true;
      upstream.end();
    } else if (!waitingForUpstream) {
      req.resume();
    }
  }

  /**
   * The owner refused the connection, so not a byte of the body went to it (it is still here: a
   * small body received whole, or a large one paused before streaming): send it all to the next
   * owner instead, once. A refusal there too is answered 502.
   */
  private void fallBack(Throwable refusal) {
    fellBack = true;
    connecting = true;
    Member refused = owner;
    fallback.nextOwner(refused).onComplete(next -> {
      connecting = false;
      if (done) return;
      if (next.failed() || next.result() == null || next.result().equals(refused)) {
        fail(ProxyFailure.connectFailed(refusal, connections));
        return;
      }
      owner = next.result();
      lastActivity = System.nanoTime();
      connect();
    });
  }

  /**
   * The connection broke before the owner's answer began. A PUT or DELETE sent whole (a small body,
   * still held) is sent again once, on a new connection to the same owner, as HTTP clients retry an
   * idempotent request whose connection closed without an answer (RFC 9110, 9.2.2): a Pushgateway
   * killed the instant a pooled connection to it was taken. The new connection is never a pooled
   * one (the other pooled connections to a member killed an instant ago are as dead, their close
   * not yet read: resending on one of them failed 1-4 pushes per kill). If the owner is dead that
   * connection is refused and the push goes to the next owner ({@link #fallBack}); if it lives it
   * gets the same PUT twice, which changes nothing. A POST, or a streamed body, is never sent again.
   * A new connection made while the process is being torn down can still be accepted and then
   * reset (1-3 pushes per kill in the reshard tests failed so): the next sends wait
   * {@link #RESEND_DELAYS_MILLIS} first, by when a dead owner refuses. Linux closes a killed
   * process's sockets only after tearing down its address space (do_exit: exit_mm before
   * exit_files), so its listener keeps completing handshakes meanwhile; on a loaded 2-core machine
   * that outlasted 0.5 s (one push of 9,271 failed in a full run with the sends ending at +400 ms),
   * hence sends up to 3.5 s after the first break. A live owner that resets every new connection
   * costs its push 3.5 s before the 502.
   */
  private void broke(Throwable cause) {
    if (done) return;
    if (!answering && resends < RESEND_DELAYS_MILLIS.length && sentWhole != null
        && (req.method() == io.vertx.core.http.HttpMethod.PUT || req.method() == io.vertx.core.http.HttpMethod.DELETE)) {
      HttpClientRequest broken = upstream;
      upstream = null;
      upstreamEnded = false;
      body = sentWhole;
      sentWhole = null;
      broken.reset();
      connectAgainLater();
      return;
    }
    fail(ProxyFailure.unreachable(cause, connections));
  }

  /**
   * Connects to the owner again after the next of {@link #RESEND_DELAYS_MILLIS}, on a new connection;
   * false when they are used up. Shared by both ways a dying owner shows itself: a connection that
   * broke before the answer ({@link #broke}) and one reset before it could be used ({@link #connected}):
   * a kernel that completed the handshake on the dying process's listener, then reset the connection
   * while pushring's event loop had not yet finished connecting (seen in CI, 2 of ~4,800 pushes at a
   * SIGKILL: "Connection reset by peer" from finishConnect, answered 502 without a second try).
   */
  private boolean connectAgainLater() {
    if (resends >= RESEND_DELAYS_MILLIS.length) return false;
    long delay = RESEND_DELAYS_MILLIS[resends++];
    lastActivity = System.nanoTime();
    if (delay == 0) {
      connect();
    } else {
      connecting = true;   // nothing else may connect meanwhile
      proxy.vertx().setTimer(delay, id -> {
        connecting = false;
        if (done) return;
        lastActivity = System.nanoTime();
        connect();
      });
    }
    return true;
  }


  private void answered(AsyncResult<HttpClientResponse> ar) {
    if (done) return;
    if (ar.failed()) {
      broke(ar.cause());
      return;
    }
    sentWhole = null;
    lastActivity = System.nanoTime();
    answering = true;
    HttpClientResponse answer = ar.result();
    report(answer.statusCode());
    response.setStatusCode(answer.statusCode());
    response.setStatusMessage(answer.statusMessage());
    HeaderPolicy.copyResponseHeaders(answer.headers(), response.headers());
    if (!response.headers().contains(HttpHeaders.CONTENT_LENGTH) && answer.statusCode() != 204
        && answer.statusCode() != 304) {
      response.setChunked(true);
    }
    answer.exceptionHandler(t -> fail(ProxyFailure.unreachable(t, connections)));
    answer.handler(chunk -> {
      lastActivity = System.nanoTime();
      response.write(chunk);
      if (response.writeQueueFull()) {
        answer.pause();
        response.drainHandler(v -> answer.resume());
      }
    });
    answer.endHandler(v -> {
      finish();
      response.end();
      if (!bodyComplete) {
        // The owner answered before the body ended (an error: it has decided). Its request cannot be
        // finished now, so its connection is not reused; read and drop the rest of the client's body
        // so the client sees the answer instead of a stalled upload.
        if (!upstreamEnded) upstream.reset();
        req.resume();
      }
    });
  }

  // ---- failures and deadlines ----

  /** Called by the sweep: fails this exchange if one of its deadlines passed. */
  void checkDeadlines(long now) {
    ProxySettings s = proxy.settings();
    long silentMillis = (now - lastActivity) / 1_000_000;
    if (!bodyComplete && !answering && (now - startedNanos) / 1_000_000 >= s.uploadTimeoutMillis()) {
      fail(ProxyFailure.uploadTooSlow((now - startedNanos) / 1_000_000));
    } else if (silentMillis >= s.timeoutMillis()) {
      // Silent while the client owes body bytes and nothing holds it back: the client stalled.
      boolean clientStalled = !bodyComplete && !answering && !waitingForUpstream && !(streaming && connecting);
      fail(clientStalled ? ProxyFailure.bodyStalled(silentMillis) : ProxyFailure.upstreamSilent(silentMillis));
    }
  }

  /** Ends this exchange with {@code failure}: the owner, if it got part of the body, rejects it. */
  private void fail(ProxyFailure failure) {
    if (done) return;
    finish();
    abandonUpstream();
    report(failure.status());
    if (failure.status() == ProxyFailure.CLIENT_CLOSED) return;   // no one to answer
    if (response.headWritten()) {
      // Part of the owner's answer is out: only cutting the connection tells the client it is incomplete.
      response.reset();
      return;
    }
    failure.answer(req, !bodyComplete);
    if (!bodyComplete) req.resume();   // read and drop the rest (HTTP/1.x closes after the answer)
  }

  private void abandonUpstream() {
    HttpClientRequest u = upstream;
    body = null;
    if (u == null) return;   // not connected: nothing sent (connected() resets a late connection)
    if (upstreamEnded || answering) {
      // The whole body went out (or the owner already answered): a complete push is the owner's to take.
      u.reset();
      return;
    }
    // Part of the body went out: make it invalid, then cut it. The poison goes after whatever is
    // still queued; the cut waits for it, or for proxy-timeout if the owner stopped reading.
    long fallback = proxy.vertx().setTimer(Math.max(1, proxy.settings().timeoutMillis()), id -> u.reset());
    u.write(AbandonedBody.poison()).onComplete(written -> {
      proxy.vertx().cancelTimer(fallback);
      u.reset();
    });
  }

  private void finish() {
    done = true;
    proxy.inFlight().remove(this);
  }

  private void report(int status) {
    if (reported) return;
    reported = true;
    answered.accept(status);
  }
}
