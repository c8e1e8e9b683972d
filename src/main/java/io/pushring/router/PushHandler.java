package io.pushring.router;

import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.key.InvalidPushPathException;
import io.pushring.key.RequestTargets;
import io.pushring.metrics.Decision;
import io.pushring.proxy.Fallback;
import io.pushring.proxy.ProxyForwarder;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The hot path: a request on {@code /metrics/job...}. Parses the grouping key from the raw path,
 * looks the owner up in the current ring and answers (redirect), or hands the request to the
 * {@link ProxyForwarder}. No blocking and no logging of its own (the sampled access log,
 * {@code access-log.every}, off by default, is {@link RouteObserver}'s); a redirect allocates
 * nothing beyond the key and the {@code Location} string.
 */
final class PushHandler implements Handler<HttpServerRequest> {
  static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  private static final CharSequence NOSNIFF = HttpHeaders.createOptimized("nosniff");
  private static final CharSequence X_CONTENT_TYPE_OPTIONS = HttpHeaders.createOptimized("X-Content-Type-Options");
  private static final CharSequence ALLOWED = HttpHeaders.createOptimized("GET, PUT, POST, DELETE");
  private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("Retry-After");

  private static final CharSequence X_FORWARDED_PROTO = HttpHeaders.createOptimized("X-Forwarded-Proto");

  private final Supplier<RoutingTable> table;
  private final CharSequence retryAfterSeconds;
  private final RouteObserver observer;
  private final RedirectPolicy policy;
  private final ProxyForwarder proxy;   // null in redirect mode
  private final Handover handover;

  PushHandler(Supplier<RoutingTable> table, RouterOptions options, RouteObserver observer, RedirectPolicy policy,
      ProxyForwarder proxy, Handover handover) {
    this.table = table;
    this.handover = handover;
    this.observer = observer;
    this.retryAfterSeconds = HttpHeaders.createOptimized(options.retryAfterSeconds());
    this.policy = policy;
    this.proxy = proxy;
  }

  /** Redirect or proxy, and why (router.mode; in auto mode judged from the request's headers). */
  RedirectPolicy.Rule decide(HttpServerRequest req) {
    if (!policy.judgesRequests()) return policy.decide(null, false, null);   // redirect or proxy mode: no header read
    String scheme = req.getHeader(X_FORWARDED_PROTO);   // the client's scheme, behind a TLS-terminating proxy
    return policy.decide(req.getHeader(HttpHeaders.USER_AGENT), req.headers().contains(HttpHeaders.AUTHORIZATION),
        scheme != null ? scheme : req.scheme());
  }

  RedirectPolicy policy() {
    return policy;
  }

  /**
   * Does this raw path belong to the push API? The Pushgateway percent-decodes the whole path before
   * routing, so {@code /metrics%2Fjob/x} is a push too: everything under the {@code /metrics} prefix
   * but {@code /metrics} itself goes to the parser, which rejects what is not a push route.
   */
  static boolean isPushPath(String rawPath) {
    return rawPath.length() > 8 && rawPath.startsWith("/metrics");
  }

  @Override
  public void handle(HttpServerRequest req) {
    long t0 = observer.start();
    HttpMethod method = req.method();
    boolean lookupOnly = method == HttpMethod.GET;
    if (!lookupOnly && method != HttpMethod.PUT && method != HttpMethod.POST && method != HttpMethod.DELETE) {
      req.response().putHeader(HttpHeaders.ALLOW, ALLOWED);
      text(req.response(), 405, "Method Not Allowed");
      observer.refused(req, Decision.REJECT, 405, null, "method not allowed", t0);
      return;
    }
    String path = req.path();
    String query = req.query();
    GroupingKey key;
    try {
      // The query too: a control byte there would make the Location header throw (no answer at all).
      key = GroupingKeyParser.parse(path, query);
    } catch (InvalidPushPathException bad) {
      text(req.response(), bad.status(), bad.getMessage());
      observer.refused(req, Decision.REJECT, bad.status(), null, bad.getMessage(), t0);
      return;
    }
    RoutingTable current = table.get();
    Ring ring = current.ring();
    // The position once: the owner, and the owners in recent previous rings (handover), come from it.
    long position = current.hasMembers() ? ring.placement().hash(key) : 0;
    Member owner = current.hasMembers() ? ring.lookup(position) : null;
    if (owner == null) {
      req.response().putHeader(RETRY_AFTER, retryAfterSeconds);
      text(req.response(), 503, "no healthy Pushgateway in the ring; retry later");
      observer.refused(req, Decision.UNAVAILABLE, 503, key, "no healthy Pushgateway", t0);
      return;
    }
    if (lookupOnly) {
      // What dynamic-sharding answers to a GET: where the push would go, for debugging.
      text(req.response(), 200, "nextUrl:" + location(current.baseUrl(owner), path, query));
      observer.routed(req, Decision.LOOKUP, 200, key, current, owner, t0);
      return;
    }
    RedirectPolicy.Rule rule = decide(req);
    boolean proxied = rule.decision() == Decision.PROXY;
    Future<Handover.Prelude> first = handover.before(method, key, position, owner, current, proxied);
    if (first == null) {
      answer(req, rule, key, position, current, owner, path, query, null, t0);
      return;
    }
    if (first.succeeded()) {   // marked at once, nothing sent first
      answer(req, rule, key, position, current, owner, path, query, first.result(), t0);
      return;
    }
    // The previous copies go first; the body waits (proxy) meanwhile. Never fails: see Handover.
    if (proxied) req.pause();
    first.onComplete(done -> {
      Handover.Prelude prelude = done.result();
      if (req.response().closed()) {
        handover.landed(prelude);
        observer.routed(req, rule.decision(), ProxyForwarder.CLIENT_CLOSED, key, current, owner,
            prelude == null ? null : prelude.note(), t0);
        return;
      }
      answer(req, rule, key, position, current, owner, path, query, prelude, t0);
      if (proxied) req.resume();
    });
  }

  /** Proxies or redirects a routed push; {@code prelude}: what was done first (shown in the tap), or null. */
  private void answer(HttpServerRequest req, RedirectPolicy.Rule rule, GroupingKey key, long position,
      RoutingTable current, Member owner, String path, String query, Handover.Prelude prelude, long t0) {
    String note = prelude == null ? null : prelude.note();
    String reason = note == null || t0 == RouteObserver.OFF ? rule.reason() : rule.reason() + "; " + note;
    if (rule.decision() == Decision.PROXY) {
      ProxiedPush push = new ProxiedPush(req, key, position, current, owner, reason, prelude, t0);
      proxy.forward(req, owner, push, push);
      return;
    }
    int status = policy.redirectStatus();
    req.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.LOCATION, location(current.baseUrl(owner), path, query))
        .end();
    observer.routed(req, Decision.REDIRECT, status, key, current, owner, reason, t0);
  }

  /**
   * One proxied push: counted, timed and tapped when the answer's status is known (the owner's, or
   * 408/413/502/504/499), under the member that got it (the next owner when the owner refused the
   * connection).
   */
  private final class ProxiedPush implements IntConsumer, Fallback {
    private final HttpServerRequest req;
    private final GroupingKey key;
    private final long position;
    private final RoutingTable current;
    private final Member owner;
    private final long t0;
    private final long started = System.nanoTime();
    private final Handover.Prelude prelude;
    private String reason;
    private Member sentTo;

    ProxiedPush(HttpServerRequest req, GroupingKey key, long position, RoutingTable current, Member owner,
        String reason, Handover.Prelude prelude, long t0) {
      this.prelude = prelude;
      this.req = req;
      this.key = key;
      this.position = position;
      this.current = current;
      this.owner = owner;
      this.sentTo = owner;
      this.reason = reason;
      this.t0 = t0;
    }

    @Override
    public Future<Member> nextOwner(Member refused) {
      return handover.nextOwner(current, position, refused).map(next -> {
        if (next != null) {
          sentTo = next;
          if (t0 != RouteObserver.OFF) {
            reason = reason + "; fallback: " + owner.id() + " refused the connection, sent to " + next.id();
          }
        }
        return next;
      });
    }

    @Override
    public void accept(int status) {
      handover.landed(prelude);   // answered (or failed): the reconciler's re-read of the owner sees it now
      observer.proxied(current, sentTo, System.nanoTime() - started);
      observer.routed(req, Decision.PROXY, status, key, current, sentTo, reason, t0);
    }
  }

  /**
   * The owner's base URL + the path as received (still percent-encoded) + the original query, with
   * the bytes a URI cannot carry raw ({@code #}, non-ASCII, ...) percent-encoded: see {@link RequestTargets}.
   */
  static String location(String baseUrl, String rawPath, String rawQuery) {
    return RequestTargets.location(baseUrl, rawPath, rawQuery);
  }

  /**
   * A request Netty could not decode (a malformed request line, such as a raw TAB, VT, FF or CR inside
   * the target, a line or headers over the limits): Vert.x's own statuses (400, 414, 431), with the
   * body Go's server writes to such requests, the Pushgateway's wording ("400 Bad Request"), instead of
   * an empty one; then the connection is closed, as Go and Vert.x do. Nothing is logged.
   */
  static void invalidRequest(HttpServerRequest req) {
    Throwable cause = req.decoderResult().cause();
    int status = 400;
    String text = "400 Bad Request";
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      status = 414;
      text = "414 URI Too Long";
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      status = 431;
      text = "431 Request Header Fields Too Large";
    }
    req.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN)
        .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
        .end(text)
        .onComplete(done -> req.connection().close());
  }

  /** A plain-text answer the way Go's http.Error writes one: text/plain, nosniff, trailing newline. */
  static void text(HttpServerResponse response, int status, String message) {
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN)
        .putHeader(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
        .end(message + "\n");
  }
}
