package io.pushring.router;

import io.vertx.core.MultiMap;
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

  /**
   * Sets each header the answer does not carry yet: one the listener's web configuration file sets
   * ({@code http_server_config.headers}, applied before the routes) is the operator's choice and wins,
   * as it does on a Pushgateway.
   */
  static void apply(HttpServerResponse response) {
    MultiMap headers = response.headers();
    if (!headers.contains(CONTENT_SECURITY_POLICY)) headers.set(CONTENT_SECURITY_POLICY, DATA_POLICY_VALUE);
    if (!headers.contains(X_FRAME_OPTIONS)) headers.set(X_FRAME_OPTIONS, DENY);
    if (!headers.contains(X_CONTENT_TYPE_OPTIONS)) headers.set(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    if (!headers.contains(REFERRER_POLICY)) headers.set(REFERRER_POLICY, NO_REFERRER);
  }

  /** The status page's own policy, unless the web configuration file set one (then the file's stays). */
  static void pagePolicy(HttpServerResponse response, CharSequence policy) {
    CharSequence current = response.headers().get(CONTENT_SECURITY_POLICY);
    if (current == null || DATA_POLICY.contentEquals(current)) response.headers().set(CONTENT_SECURITY_POLICY, policy);
  }
}
