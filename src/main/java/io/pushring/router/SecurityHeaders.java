package io.pushring.router;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * The headers every answer of the operators' side carries (status page, JSON APIs, tap, /metrics,
 * probes, 404s): nothing may frame it, sniff a type, learn the page's address from a link, or run
 * anything but what the answer itself ships. The status page replaces the Content-Security-Policy
 * with its own ({@link StatusPage#contentSecurityPolicy()}), which allows exactly its inline style and
 * script by hash. Pushes, answered by {@link PushHandler} without vertx-web, do not pay for them.
 */
final class SecurityHeaders {
  static final CharSequence CONTENT_SECURITY_POLICY = HttpHeaders.createOptimized("Content-Security-Policy");
  static final CharSequence X_FRAME_OPTIONS = HttpHeaders.createOptimized("X-Frame-Options");
  static final CharSequence X_CONTENT_TYPE_OPTIONS = HttpHeaders.createOptimized("X-Content-Type-Options");
  static final CharSequence REFERRER_POLICY = HttpHeaders.createOptimized("Referrer-Policy");

  /** For answers that are data, not documents: nothing at all may load or run in their context. */
  static final String DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  private static final CharSequence DATA_POLICY_VALUE = HttpHeaders.createOptimized(DATA_POLICY);
  private static final CharSequence DENY = HttpHeaders.createOptimized("DENY");
  private static final CharSequence NOSNIFF = HttpHeaders.createOptimized("nosniff");
  private static final CharSequence NO_REFERRER = HttpHeaders.createOptimized("no-referrer");

  private SecurityHeaders() {}

  static void apply(HttpServerResponse response) {
    response.putHeader(CONTENT_SECURITY_POLICY, DATA_POLICY_VALUE)
        .putHeader(X_FRAME_OPTIONS, DENY)
        .putHeader(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
        .putHeader(REFERRER_POLICY, NO_REFERRER);
  }
}
