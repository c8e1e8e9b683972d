package io.pushring.proxy;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.net.ConnectException;
import javax.net.ssl.SSLException;

/**
 * Why a proxied push did not get the owner's answer, and the status the client gets instead. The one
 * failure type of the proxy (vertx-http-proxy's {@code ProxyFailure} idea): raised where the failure
 * happens, with its status decided there, so nothing downstream guesses from exception class names.
 */
final class ProxyFailure extends RuntimeException {
  /** The status recorded for a push whose client went away before it was answered (nginx's convention). */
  static final int CLIENT_CLOSED = 499;

  private static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  private static final CharSequence NOSNIFF = HttpHeaders.createOptimized("nosniff");
  private static final CharSequence X_CONTENT_TYPE_OPTIONS = HttpHeaders.createOptimized("X-Content-Type-Options");
  private static final CharSequence CLOSE = HttpHeaders.createOptimized("close");

  private final int status;

  private ProxyFailure(int status, String message) {
    super(message, null, false, false);   // no stack trace: these are answers, not bugs
    this.status = status;
  }

  int status() {
    return status;
  }

  static ProxyFailure tooLarge(long size, int maxBody) {
    return new ProxyFailure(413, "push body of " + size + " bytes exceeds router.max-body (" + maxBody + " bytes)");
  }

  /**
   * The connection to the owner could not be made: refused, unresolvable, reset, or not within
   * proxy-timeout. {@code connections}: how many pushring tried for this push (all of them failed
   * or broke before an answer).
   */
  static ProxyFailure connectFailed(Throwable cause, int connections) {
    if (cause instanceof ConnectTimeoutException) {
      return new ProxyFailure(504, "Pushgateway did not accept a connection within router.proxy-timeout: " + describe(cause)
          + tried(connections));
    }
    SSLException tls = tlsFailure(cause);
    if (tls != null) {
      // Never retried in plain http nor elsewhere: the push is refused rather than sent to an unverified peer.
      return new ProxyFailure(502, "TLS handshake with the Pushgateway failed: " + innermost(tls) + " (nothing was sent)");
    }
    return unreachable(cause, connections);
  }

  /**
   * The deepest message: Vert.x wraps the JDK's reason ("certificate is valid for X, not Y", "unable to
   * find valid certification path", "Received fatal alert: bad_certificate") in "Failed to create SSL connection".
   */
  private static String innermost(Throwable t) {
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c.getMessage() != null) message = c.getMessage();
    }
    return message;
  }

  private static SSLException tlsFailure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SSLException ssl) return ssl;
    }
    return null;
  }

  /**
   * Whether a failure to connect is a refusal (nothing listens: connection refused, or no route to
   * the host), the case a push may go to the next owner. Not a connect timeout: the push already
   * waited router.proxy-timeout, and a host that drops packets may be alive.
   */
  static boolean refused(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectTimeoutException || nativeReset(t)) return false;
      if (t instanceof ConnectException || t instanceof java.net.NoRouteToHostException) return true;
    }
    return false;
  }

  /**
   * A connection the owner's kernel accepted and then reset before pushring finished connecting:
   * Netty's finishConnect reports the reset as a {@link java.net.SocketException} that is neither a
   * refusal nor an unreachable host ("Connection reset by peer: /host:port"). Nothing was sent on it.
   * Not TLS (a handshake failure is an {@link SSLException}) and not a timeout.
   */
  static boolean resetWhileConnecting(Throwable cause) {
    if (tlsFailure(cause) != null) return false;
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (nativeReset(t)) return true;
      if (t instanceof ConnectTimeoutException || t instanceof ConnectException
          || t instanceof java.net.NoRouteToHostException) {
        return false;
      }
      if (t instanceof java.net.SocketException) return true;
    }
    return false;
  }

  /**
   * The same reset on Netty's epoll and io_uring transports (http.transport): both report every
   * connect errno as a ConnectException made by Netty's Errors, "finishConnect(..) failed with
   * error(-104): Connection reset by peer" (epoll), "io_uring connect(..) failed with error(-104): ..."
   * (io_uring); a refusal there is error(-111).
   */
  private static boolean nativeReset(Throwable t) {
    return t instanceof ConnectException && t.getMessage() != null && t.getMessage().contains("error(-104)");
  }

  /**
   * The owner refused, reset or broke the exchange. Never retried elsewhere once a byte was sent (the
   * group belongs to it); a refusal goes to the next owner first when there is one (see {@link #refused}).
   */
  static ProxyFailure unreachable(Throwable cause, int connections) {
    SSLException tls = tlsFailure(cause);
    if (tls != null) {
      // TLS 1.3: a server refusing the client certificate says so after the client's handshake ended,
      // when the request is on its way; the Pushgateway processed none of it.
      return new ProxyFailure(502, "TLS with the Pushgateway failed: " + innermost(tls) + " (the push was not processed)");
    }
    return new ProxyFailure(502, "Pushgateway unreachable: " + describe(cause)
        + " (not retried elsewhere: the group belongs to this Pushgateway" + tried(connections) + ")");
  }

  static ProxyFailure upstreamSilent(long millis) {
    return new ProxyFailure(504, "Pushgateway did not answer within router.proxy-timeout: no byte from or to it for "
        + millis + " ms");
  }

  static ProxyFailure bodyStalled(long millis) {
    return new ProxyFailure(408, "push body incomplete: no byte of it for " + millis
        + " ms (router.proxy-timeout); nothing was stored");
  }

  static ProxyFailure uploadTooSlow(long millis) {
    return new ProxyFailure(408, "push body incomplete after " + millis
        + " ms (router.upload-timeout); nothing was stored");
  }

  static ProxyFailure unsendableTarget() {
    return new ProxyFailure(400, "invalid request target: a space or control byte in the path or query");
  }

  static ProxyFailure clientGone() {
    return new ProxyFailure(CLIENT_CLOSED, "the client went away before the push was answered");
  }

  /**
   * Answers the client the way Go's {@code http.Error} does (text/plain, nosniff, trailing newline).
   * {@code closeConnection}: the body was not read to its end, so an HTTP/1.x connection cannot be
   * reused; HTTP/2 forbids the {@code Connection} header (RFC 9113 §8.2.2) and needs none: the
   * stream ends, the connection stays.
   */
  void answer(HttpServerRequest req, boolean closeConnection) {
    HttpServerResponse response = req.response();
    if (closeConnection && req.version() != HttpVersion.HTTP_2) response.putHeader(HttpHeaders.CONNECTION, CLOSE);
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN)
        .putHeader(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
        .end(getMessage() + "\n");
  }

  /** "; 6 connections tried" when pushring tried more than one, else nothing. */
  private static String tried(int connections) {
    return connections > 1 ? "; " + connections + " connections tried" : "";
  }

  private static String describe(Throwable cause) {
    if (cause instanceof ConnectException || cause.getCause() instanceof ConnectException) {
      return "connection refused (" + cause.getMessage() + ")";
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
