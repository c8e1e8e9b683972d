package io.pushring.router;

import io.pushring.bus.AdmittedSet;
import io.pushring.bus.DiscoveryStatus;
import io.pushring.bus.ReconcileStatus;
import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.key.InvalidPushPathException;
import io.pushring.metrics.PushringMetrics;
import io.pushring.metrics.RequestStats;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.pushring.tap.TapStream;
import io.pushring.tap.TapSwitch;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything that is not a push: health, readiness and the JSON debugging API. Answers use the
 * Prometheus API envelope ({@code {"status":"success","data":...}}) operators already know.
 */
final class ApiRoutes {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private ApiRoutes() {}

  /** The path of Prometheus's HTTP service discovery of the Pushgateways ({@link ScrapeTargets}). */
  static final String SD_PATH = "/sd/pushgateways";

  /** The whole body of every 500: nothing of the failure's detail reaches the client. */
  static final String INTERNAL_ERROR = "500 Internal Server Error";

  private static final Logger LOG = LoggerFactory.getLogger(ApiRoutes.class);

  /**
   * The main listener's routes besides pushes: the probes, the operators' endpoints unless they have
   * their own listener ({@code withOperatorRoutes} false when {@code http.admin} is set: they answer
   * 404 here then, as any unknown path), and Go's answers to paths no route takes.
   */
  static Router create(Vertx vertx, Supplier<RoutingTable> table, PushHandler push, PushringMetrics metrics,
      TapSwitch tap, boolean admissionEnabled, boolean withOperatorRoutes) {
    Router router = base(vertx, table);
    if (withOperatorRoutes) operatorRoutes(router, vertx, table, push.policy(), metrics, tap, admissionEnabled);
    // Go decodes the whole path before routing: /metric%73/job/x is a push to the Pushgateway too.
    // vertx-web cannot route a path with an invalid escape (it answers 400 and logs a stack trace per
    // request): answer it as Go does, quietly.
    router.errorHandler(400, ApiRoutes::badRequest);
    router.route().last().handler(ctx -> {
      if (ctx.request().path().indexOf('%') >= 0) {
        push.handle(ctx.request());
        return;
      }
      notFound(ctx);
    });
    return router;
  }

  /**
   * The admin listener's routes ({@code http.admin}): the probes and the operators' endpoints; no
   * push is taken here (a push path is an unknown path, 404).
   */
  static Router admin(Vertx vertx, Supplier<RoutingTable> table, RedirectPolicy policy, PushringMetrics metrics,
      TapSwitch tap, boolean admissionEnabled) {
    Router router = base(vertx, table);
    operatorRoutes(router, vertx, table, policy, metrics, tap, admissionEnabled);
    router.errorHandler(400, ApiRoutes::badRequest);
    router.route().last().handler(ApiRoutes::notFound);
    return router;
  }

  /** What every listener has: the security headers, the probes, and a fixed answer to an internal failure. */
  private static Router base(Vertx vertx, Supplier<RoutingTable> table) {
    Router router = Router.router(vertx);
    // First, so every answer below carries them (an answer may replace the CSP: the status page's).
    router.route().handler(ctx -> {
      SecurityHeaders.apply(ctx.response());
      ctx.next();
    });
    router.get("/-/healthy").handler(ctx -> PushHandler.text(ctx.response(), 200, "OK"));
    router.get("/-/ready").handler(ctx -> {
      if (table.get().hasMembers()) PushHandler.text(ctx.response(), 200, "OK");
      else PushHandler.text(ctx.response(), 503, "not ready: no Pushgateway in the ring");
    });
    router.errorHandler(500, ApiRoutes::internalError);
    return router;
  }

  /** The status page, the JSON APIs, the tap, http_sd and pushring's own /metrics: for operators (and their Prometheus). */
  private static void operatorRoutes(Router router, Vertx vertx, Supplier<RoutingTable> table, RedirectPolicy policy,
      PushringMetrics metrics, TapSwitch tap, boolean admissionEnabled) {
    router.get("/api/v1/route").handler(ctx -> route(ctx, table.get(), policy));
    router.get("/api/v1/ring").handler(ctx ->
        success(ctx, ringJson(table.get()).put("discovery", discoveryJson(DiscoveryStatus.current(vertx)))));
    // Rendering walks every meter (milliseconds with the JVM ones): a worker thread, not the event loop.
    router.get("/metrics").handler(ctx -> vertx.executeBlocking(metrics::scrape, false).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(ar.result());
    }));
    router.get("/api/v1/tap").handler(new TapStream(vertx, tap));
    router.get("/api/v1/reconcile").handler(ctx -> {
      JsonObject status = ReconcileStatus.current(vertx);
      success(ctx, status != null ? status : new JsonObject().put("enabled", false));
    });
    router.get(SD_PATH).handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(ScrapeTargets.of(admissionEnabled, table.get().ring(), AdmittedSet.current(vertx)).encode()));
    router.get("/api/v1/stats").handler(ctx -> success(ctx, new JsonObject()
        .put("requests", RequestStats.byMemberAndDecision(metrics.registry()))
        .put("tap", new JsonObject().put("enabled", tap.enabled()).put("subscribers", tap.subscribers())
            .put("published", tap.publishedCount()).put("dropped", tap.droppedCount()))));
    router.get("/").handler(ctx -> {
      // Browsers get the status page; curl and scripts the plain-text index.
      String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
      if (accept != null && accept.contains("text/html")) {
        SecurityHeaders.pagePolicy(ctx.response(), StatusPage.contentSecurityPolicy());
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
            .end(StatusPage.html());
      } else {
        PushHandler.text(ctx.response(), 200, index());
      }
    });
  }

  /** Go's 404 for a path no route takes; its 400 for raw control bytes anywhere in a target. */
  private static void notFound(RoutingContext ctx) {
    try {
      // Go answers 400 to raw control bytes anywhere in a target, routed or not (over HTTP/2 they reach us).
      GroupingKeyParser.checkRequestTarget(ctx.request().path(), ctx.request().query());
      PushHandler.text(ctx.response(), 404, "404 page not found");
    } catch (InvalidPushPathException bad) {
      PushHandler.text(ctx.response(), bad.status(), bad.getMessage());
    }
  }

  /**
   * A handler failed (a bug, or a worker's failure such as a /metrics rendering): the detail goes to
   * the log, the client gets a fixed text, never an exception's message or stack trace.
   */
  static void internalError(RoutingContext ctx) {
    LOG.error("internal error answering {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
    if (ctx.response().headWritten()) {
      // Too late for a status: cut the answer short rather than end it as if it were whole.
      ctx.request().connection().close();
      return;
    }
    PushHandler.text(ctx.response(), 500, INTERNAL_ERROR);
  }

  /** A 400 of vertx-web's own (a target it cannot decode): Go's reason where it has one, in plain text. */
  private static void badRequest(RoutingContext ctx) {
    if (ctx.response().ended()) return;
    try {
      GroupingKeyParser.checkRequestTarget(ctx.request().path(), ctx.request().query());
      PushHandler.text(ctx.response(), 400, "400 Bad Request");
    } catch (InvalidPushPathException bad) {
      PushHandler.text(ctx.response(), bad.status(), bad.getMessage());
    }
  }

  private static void route(RoutingContext ctx, RoutingTable current, RedirectPolicy policy) {
    try {
      routeChecked(ctx, current, policy);
    } catch (io.vertx.ext.web.handler.HttpException | IllegalArgumentException badQuery) {
      // ctx.queryParams() on a query vertx-web cannot decode (ua=%zz): the client's mistake, answered in JSON.
      Throwable why = badQuery.getCause() != null ? badQuery.getCause() : badQuery;
      error(ctx, 400, "invalid query: " + why.getMessage());
    }
  }

  private static void routeChecked(RoutingContext ctx, RoutingTable current, RedirectPolicy policy) {
    String path;
    try {
      path = pathParameter(ctx.request().query());
    } catch (InvalidPushPathException bad) {
      error(ctx, bad.status(), bad.getMessage());
      return;
    }
    if (path == null || path.isEmpty()) {
      error(ctx, 400, "query parameter 'path' is required, e.g. /api/v1/route?path=/metrics/job/x");
      return;
    }
    // The parameter is the push path as a client would send it (still percent-encoded); any query is
    // not part of the grouping key, but it is checked as a push's would be.
    int q = path.indexOf('?');
    String rawPath = q < 0 ? path : path.substring(0, q);
    String rawQuery = q < 0 ? null : path.substring(q + 1);
    GroupingKey key;
    try {
      key = GroupingKeyParser.parse(rawPath, rawQuery);
    } catch (InvalidPushPathException bad) {
      error(ctx, bad.status(), bad.getMessage());
      return;
    }
    JsonObject labels = new JsonObject();
    for (Map.Entry<String, byte[]> e : key.labels().entrySet()) {
      labels.put(e.getKey(), new String(e.getValue(), StandardCharsets.UTF_8));
    }
    JsonObject data = new JsonObject()
        .put("path", rawPath)
        .put("key", key.printable())
        .put("labels", labels)
        .put("ringVersion", current.version());
    Ring ring = current.ring();
    if (ring != null) {
      data.put("placement", ring.placement().configName())
          .put("hash", Long.toHexString(ring.placement().hash(key)));
    }
    Member owner = current.hasMembers() ? ring.route(key) : null;
    if (owner == null) {
      data.putNull("member").putNull("location");
    } else {
      data.put("member", new JsonObject().put("id", owner.id()).put("address", owner.address()))
          .put("location", PushHandler.location(current.baseUrl(owner), rawPath, rawQuery));
    }
    data.put("decision", decisionJson(ctx, policy));
    success(ctx, data);
  }

  /**
   * The first {@code path=} parameter of the raw query, percent-decoded to bytes and returned one char
   * per byte, the form in which a push's path reaches the parser. {@code +} stays {@code +} (as in a
   * push path: {@code path=/metrics/job/a+b} asks about job {@code a+b}); a space is {@code %20}, and a
   * byte that is not UTF-8 ({@code %FF}) stays that byte, so the answer is the push's, byte for byte.
   * Null when there is no such parameter.
   */
  static String pathParameter(String rawQuery) {
    if (rawQuery == null) return null;
    int from = 0;
    int n = rawQuery.length();
    while (from <= n) {
      int end = rawQuery.indexOf('&', from);
      if (end < 0) end = n;
      if (rawQuery.startsWith("path=", from)) return percentDecode(rawQuery, from + 5, end);
      from = end + 1;
    }
    return null;
  }

  private static String percentDecode(String s, int from, int to) {
    StringBuilder out = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '%') {
        int hi = i + 2 < to ? hex(s.charAt(i + 1)) : -1;
        int lo = i + 2 < to ? hex(s.charAt(i + 2)) : -1;
        if (hi < 0 || lo < 0) {
          throw new InvalidPushPathException(400, "invalid URL escape in the 'path' parameter at offset " + (i - from)
              + "; percent-encode the push path once more, e.g. %2F as %252F");
        }
        out.append((char) (hi << 4 | lo));
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  /**
   * What a push with these headers would get: redirect or proxy, and why. {@code ua=}, {@code auth=}
   * (true/false) and {@code scheme=} stand for the push's User-Agent, Authorization and scheme;
   * each defaults to this API request's own.
   */
  static JsonObject decisionJson(RoutingContext ctx, RedirectPolicy policy) {
    String ua = ctx.queryParams().get("ua");
    if (ua == null) ua = ctx.request().getHeader(HttpHeaders.USER_AGENT);
    String auth = ctx.queryParams().get("auth");
    boolean hasAuth = auth != null ? Boolean.parseBoolean(auth) : ctx.request().headers().contains(HttpHeaders.AUTHORIZATION);
    String scheme = ctx.queryParams().get("scheme");
    if (scheme == null) scheme = ctx.request().getHeader("X-Forwarded-Proto");
    if (scheme == null) scheme = ctx.request().scheme();
    RedirectPolicy.Rule d = policy.decide(ua, hasAuth, scheme);
    // "decision" here is the rule's name (proxy-authorization, ...), as documented for /api/v1/route.
    JsonObject json = new JsonObject()
        .put("mode", policy.mode().name().toLowerCase(java.util.Locale.ROOT))
        .put("action", d.action())
        .put("reason", d.reason())
        .put("decision", d.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    if (d.redirect()) json.put("status", policy.redirectStatus());
    return json.put("userAgent", ua).put("authorization", hasAuth).put("scheme", scheme);
  }

  static JsonObject ringJson(RoutingTable current) {
    Ring ring = current.ring();
    JsonArray members = new JsonArray();
    JsonObject data = new JsonObject()
        .put("version", current.version())
        .put("since", current.since().toString())
        .put("ageSeconds", Duration.between(current.since(), Instant.now()).toMillis() / 1000.0);
    if (ring != null) {
      double[] shares = ring.shares();
      for (int i = 0; i < ring.members().size(); i++) {
        Member m = ring.members().get(i);
        members.add(new JsonObject()
            .put("id", m.id())
            .put("address", m.address())
            .put("url", current.baseUrl(m))
            .put("share", shares[i]));
      }
      data.put("placement", ring.placement().configName()).put("fingerprint", ring.fingerprint());
    }
    return data.put("size", members.size()).put("members", members);
  }

  /** How fresh the ring is: a stale ring keeps routing (Consul away), and says so here. */
  static JsonObject discoveryJson(DiscoveryStatus status) {
    if (status == null) return new JsonObject().put("state", "starting").put("stale", true);
    JsonObject json = new JsonObject()
        .put("source", status.source())
        .put("state", status.state())
        .put("stale", status.stale())
        .put("consecutiveFailures", status.consecutiveFailures())
        .put("consulIndex", status.consulIndex());
    if (status.lastSuccessMillis() > 0) {
      json.put("lastSuccess", Instant.ofEpochMilli(status.lastSuccessMillis()).toString())
          .put("lastSuccessAgeSeconds", (System.currentTimeMillis() - status.lastSuccessMillis()) / 1000.0);
    }
    if (!status.lastError().isEmpty()) json.put("lastError", status.lastError());
    return json;
  }

  private static void success(RoutingContext ctx, JsonObject data) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("status", "success").put("data", data).encode());
  }

  private static void error(RoutingContext ctx, int status, String message) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("status", "error").put("errorType", "bad_data").put("error", message).encode());
  }

  private static String index() {
    return String.join("\n",
        "pushring: push to /metrics/job/<job>{/<label>/<value>} as to a Pushgateway.",
        "GET /api/v1/ring              the current ring: members, shares, version",
        "GET /api/v1/route?path=PATH   where a push path goes, and its canonical key",
        "GET /api/v1/tap               live routing decisions (Server-Sent Events): curl -N ...; ?job=&member=&decision=&sample=",
        "GET /api/v1/stats             request counts per member and decision (JSON)",
        "GET /api/v1/reconcile         the reconciler's settings, last pass and plan (JSON)",
        "GET /sd/pushgateways          the Pushgateways Prometheus may scrape (http_sd_configs JSON)",
        "GET /metrics                  pushring's own metrics, Prometheus text format",
        "GET / (from a browser)        status page: ring, shares, rates, live tap",
        "GET /-/healthy, /-/ready      liveness; readiness = the ring has a member");
  }
}
