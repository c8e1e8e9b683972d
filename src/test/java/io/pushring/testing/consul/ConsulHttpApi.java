package io.pushring.testing.consul;

import io.pushring.testing.consul.Catalog.CheckState;
import io.pushring.testing.consul.Catalog.Instance;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The HTTP routes of {@link ConsulTestServer}. Every request goes through the fault gate (count,
 * injected failure, cut, stall), then the ACL gate, then its handler. Blocking endpoints follow
 * Consul's {@code blockingquery.Query}: with {@code index=0} (or none) answer at once; otherwise hold
 * the request while the endpoint's index is {@code <=} the requested one, until it grows, the store
 * is abandoned (index reset), or {@code wait} (default 5m, max 10m, plus up to wait/16 jitter) runs
 * out; then answer with the current result and index, changed or not.
 */
final class ConsulHttpApi {
  private static final String ANONYMOUS_HINT =
      ". The anonymous token is used implicitly when a request does not specify a token.";
  private static final Duration MAX_WAIT = Duration.ofMinutes(10);
  private static final Set<String> TRUE = Set.of("", "1", "t", "true");
  private static final Set<String> FALSE = Set.of("0", "f", "false");

  /** What the ACL gate decided for this request. */
  private enum Acl { ALLOWED, ANONYMOUS }

  private final ConsulAgent agent;

  ConsulHttpApi(ConsulAgent agent) {
    this.agent = agent;
  }

  Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    // the body is read first: a stalled request must not lose body bytes that arrive meanwhile
    router.put("/v1/agent/*").handler(BodyHandler.create().setBodyLimit(512 * 1024));
    router.route().handler(this::faultGate);
    router.route().handler(this::aclGate);
    router.put("/v1/agent/service/register").handler(this::register);
    router.put("/v1/agent/service/deregister/*").handler(this::deregister);
    router.get("/v1/agent/services").handler(this::agentServices);
    router.get("/v1/agent/checks").handler(this::agentChecks);
    router.get("/v1/agent/self").handler(this::agentSelf);
    router.put("/v1/agent/check/pass/*").handler(ctx -> ttlNote(ctx, "pass", Catalog.PASSING));
    router.put("/v1/agent/check/warn/*").handler(ctx -> ttlNote(ctx, "warn", Catalog.WARNING));
    router.put("/v1/agent/check/fail/*").handler(ctx -> ttlNote(ctx, "fail", Catalog.CRITICAL));
    router.put("/v1/agent/check/update/*").handler(this::ttlUpdate);
    router.get("/v1/health/service/*").handler(this::healthService);
    router.get("/v1/health/checks/*").handler(this::healthChecks);
    router.get("/v1/catalog/services").handler(this::catalogServices);
    router.get("/v1/catalog/service/*").handler(this::catalogService);
    router.get("/v1/catalog/datacenters").handler(ctx ->
        json(ctx, new JsonArray().add(agent.node().datacenter())));
    router.get("/v1/status/leader").handler(ctx -> json(ctx, agent.node().address() + ":8300"));
    router.get("/v1/status/peers").handler(ctx ->
        json(ctx, new JsonArray().add(agent.node().address() + ":8300")));
    router.route().last().handler(ctx -> text(ctx, 404, "404 page not found\n"));
    return router;
  }

  // ---- gates ----

  private void faultGate(RoutingContext ctx) {
    ConsulFaults faults = agent.faults();
    String path = ctx.request().path();
    faults.count(path);
    int failure = faults.takeFailure(path);
    if (failure != 0) {
      text(ctx, failure, ConsulFaults.RPC_ERROR);
      return;
    }
    if (faults.takeCut(path)) {
      // BrokenConsul.BrokenHttpServer: promise 10000 bytes, send a few, hang up
      ctx.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_LENGTH, "10000")
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").write("[{\"Node\":");
      ctx.request().connection().close();
      return;
    }
    long stallMs = faults.currentStall().toMillis();
    if (stallMs > 0) {
      ctx.vertx().setTimer(stallMs, t -> {
        if (!ctx.response().closed()) {
          ctx.next();
        }
      });
      return;
    }
    ctx.next();
  }

  private void aclGate(RoutingContext ctx) {
    String required = agent.requiredToken();
    if (required == null || ctx.request().path().startsWith("/v1/status/")) {
      ctx.put("acl", Acl.ALLOWED);
      ctx.next();
      return;
    }
    String token = token(ctx);
    if (token.isEmpty()) {
      ctx.put("acl", Acl.ANONYMOUS);
      ctx.next();
    } else if (token.equals(required)) {
      ctx.put("acl", Acl.ALLOWED);
      ctx.next();
    } else {
      text(ctx, 403, "ACL not found");
    }
  }

  private static String token(RoutingContext ctx) {
    String header = ctx.request().getHeader("X-Consul-Token");
    if (header != null && !header.isEmpty()) {
      return header;
    }
    String auth = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return auth.substring(7).trim();
    }
    String query = ctx.request().getParam("token");
    return query == null ? "" : query;
  }

  private static boolean anonymous(RoutingContext ctx) {
    return ctx.get("acl") == Acl.ANONYMOUS;
  }

  private static void denied(RoutingContext ctx, String permission, String resource) {
    text(ctx, 403, "Permission denied: anonymous token lacks permission '" + permission + "' on \""
        + resource + "\"" + ANONYMOUS_HINT);
  }

  // ---- agent endpoints ----

  private void register(RoutingContext ctx) {
    ServiceDefinition service;
    try {
      service = RegistrationParser.parse(ctx.body().buffer());
    } catch (RegistrationParser.BadRequest e) {
      text(ctx, 400, e.getMessage());
      return;
    }
    if (anonymous(ctx)) {
      denied(ctx, "service:write", service.name());
      return;
    }
    String replace = ctx.request().getParam("replace-existing-checks");
    agent.register(service, replace != null && (replace.isEmpty() || replace.equals("true")));
    ctx.response().setStatusCode(200).end();
  }

  private void deregister(RoutingContext ctx) {
    String id = tail(ctx, "/v1/agent/service/deregister/");
    Instance existing = agent.catalog().instance(id);
    if (existing == null) {
      text(ctx, 404, "Unknown service ID \"" + id + "\". Ensure that the service ID is passed, not the service name.");
      return;
    }
    if (anonymous(ctx)) {
      denied(ctx, "service:write", existing.service().name());
      return;
    }
    agent.deregister(id);
    ctx.response().setStatusCode(200).end();
  }

  private void agentServices(RoutingContext ctx) {
    JsonObject out = new JsonObject();
    if (!anonymous(ctx)) {
      for (Instance each : agent.catalog().instances()) {
        out.put(each.service().id(), ConsulJson.agentService(each.service(), agent.node().datacenter()));
      }
    } else {
      filtered(ctx);
    }
    json(ctx, out);
  }

  private void agentChecks(RoutingContext ctx) {
    JsonObject out = new JsonObject();
    if (!anonymous(ctx)) {
      for (CheckState each : agent.catalog().checks()) {
        out.put(each.checkId(), ConsulJson.check(each, agent.node().name()));
      }
    } else {
      filtered(ctx);
    }
    json(ctx, out);
  }

  private void agentSelf(RoutingContext ctx) {
    if (anonymous(ctx)) {
      denied(ctx, "agent:read", agent.node().name());
      return;
    }
    json(ctx, ConsulJson.agentSelf(agent.node(), agent.port()));
  }

  private void ttlNote(RoutingContext ctx, String verb, String status) {
    String note = ctx.request().getParam("note");
    ttl(ctx, tail(ctx, "/v1/agent/check/" + verb + "/"), status, note == null ? "" : note);
  }

  private void ttlUpdate(RoutingContext ctx) {
    JsonObject body;
    try {
      Buffer raw = ctx.body().buffer();
      body = raw == null || raw.length() == 0 ? new JsonObject() : new JsonObject(raw);
    } catch (RuntimeException e) {
      text(ctx, 400, "Request decode failed: " + e.getMessage());
      return;
    }
    String status = body.getString("Status", "");
    if (!Set.of(Catalog.PASSING, Catalog.WARNING, Catalog.CRITICAL).contains(status)) {
      text(ctx, 400, "Invalid check status: '" + status + "'");
      return;
    }
    ttl(ctx, tail(ctx, "/v1/agent/check/update/"), status, body.getString("Output", ""));
  }

  private void ttl(RoutingContext ctx, String checkId, String status, String output) {
    CheckState check = agent.catalog().check(checkId);
    if (check == null) {
      text(ctx, 404, "Unknown check ID \"" + checkId + "\". Ensure that the check ID is passed, not the check name.");
      return;
    }
    if (anonymous(ctx)) {
      denied(ctx, "service:write", check.serviceName());
      return;
    }
    if (!agent.ttlUpdate(checkId, status, output)) {
      text(ctx, 500, "CheckID \"" + checkId + "\" does not have associated TTL");
      return;
    }
    ctx.response().setStatusCode(200).end();
  }

  // ---- health and catalog (blocking) ----

  private void healthService(RoutingContext ctx) {
    String name = tail(ctx, "/v1/health/service/");
    Boolean passing = bool(ctx.request().getParam("passing"));
    if (passing == null) {
      text(ctx, 400, "Invalid value for ?passing");
      return;
    }
    List<String> tags = ctx.queryParam("tag");
    List<String> nodeMeta = ctx.queryParam("node-meta");
    blocking(ctx, () -> agent.catalog().serviceIndex(name), () -> {
      JsonArray out = new JsonArray();
      if (anonymous(ctx) || !nodeMetaMatches(nodeMeta)) {
        if (anonymous(ctx)) {
          filtered(ctx);
        }
        return out;
      }
      for (Instance each : instances(name)) {
        if (!each.service().tags().containsAll(tags)) {
          continue;
        }
        JsonArray checks = new JsonArray().add(ConsulJson.serfHealth(agent.node()));
        boolean allPassing = true;
        for (CheckState check : agent.catalog().checksOf(each.service().id())) {
          checks.add(ConsulJson.check(check, agent.node().name()));
          allPassing &= Catalog.PASSING.equals(check.status());
        }
        if (passing && !allPassing) {
          continue; // Consul's ?passing: every check, warning included, must be passing
        }
        out.add(new JsonObject()
            .put("Node", ConsulJson.node(agent.node(), 1))
            .put("Service", ConsulJson.service(each))
            .put("Checks", checks));
      }
      return out;
    });
  }

  private void healthChecks(RoutingContext ctx) {
    String name = tail(ctx, "/v1/health/checks/");
    blocking(ctx, () -> agent.catalog().serviceIndex(name), () -> {
      JsonArray out = new JsonArray();
      if (anonymous(ctx)) {
        filtered(ctx);
        return out;
      }
      for (CheckState check : agent.catalog().checks()) {
        if (check.serviceName().equals(name)) {
          out.add(ConsulJson.check(check, agent.node().name()));
        }
      }
      return out;
    });
  }

  private void catalogServices(RoutingContext ctx) {
    List<String> nodeMeta = ctx.queryParam("node-meta");
    blocking(ctx, () -> agent.catalog().servicesIndex(), () -> {
      JsonObject out = new JsonObject();
      if (anonymous(ctx)) {
        filtered(ctx);
        return out;
      }
      if (!nodeMetaMatches(nodeMeta)) {
        return out;
      }
      out.put(ConsulJson.CONSUL_SERVICE, new JsonArray());
      for (Map.Entry<String, Set<String>> e : agent.catalog().serviceTags().entrySet()) {
        out.put(e.getKey(), new JsonArray(new ArrayList<>(e.getValue())));
      }
      return out;
    });
  }

  private void catalogService(RoutingContext ctx) {
    String name = tail(ctx, "/v1/catalog/service/");
    List<String> tags = ctx.queryParam("tag");
    blocking(ctx, () -> agent.catalog().serviceIndex(name), () -> {
      JsonArray out = new JsonArray();
      if (anonymous(ctx)) {
        filtered(ctx);
        return out;
      }
      for (Instance each : instances(name)) {
        if (each.service().tags().containsAll(tags)) {
          out.add(ConsulJson.catalogEntry(agent.node(), each));
        }
      }
      return out;
    });
  }

  /** The registered instances of {@code name}, plus the server's own "consul" service. */
  private List<Instance> instances(String name) {
    if (ConsulJson.CONSUL_SERVICE.equals(name)) {
      return List.of(new Instance(new ServiceDefinition(ConsulJson.CONSUL_SERVICE, ConsulJson.CONSUL_SERVICE,
          List.of(), "", 8300, Map.of(), 1, 1, false, List.of()), 1, 1));
    }
    return agent.catalog().instancesOf(name);
  }

  private boolean nodeMetaMatches(List<String> filters) {
    for (String filter : filters) {
      // the only node meta of the test node is consul-network-segment = ""
      if (!filter.equals("consul-network-segment:") && !filter.equals("consul-network-segment")) {
        return false;
      }
    }
    return true;
  }

  private void blocking(RoutingContext ctx, LongSupplier index, Supplier<Object> render) {
    String dc = ctx.request().getParam("dc");
    if (dc != null && !dc.isEmpty() && !dc.equals(agent.node().datacenter())) {
      text(ctx, 500, "No path to datacenter");
      return;
    }
    Duration wait = agent.options().defaultWait();
    String waitParam = ctx.request().getParam("wait");
    if (waitParam != null && !waitParam.isEmpty()) {
      try {
        wait = GoDuration.parse(waitParam);
      } catch (IllegalArgumentException e) {
        text(ctx, 400, "Invalid wait time");
        return;
      }
    }
    long minIndex = 0;
    String indexParam = ctx.request().getParam("index");
    if (indexParam != null && !indexParam.isEmpty()) {
      try {
        minIndex = Long.parseUnsignedLong(indexParam);
      } catch (NumberFormatException e) {
        text(ctx, 400, "Invalid index");
        return;
      }
    }
    Runnable respond = () -> {
      Object body = render.get();
      indexHeaders(ctx.response(), index.getAsLong());
      json(ctx, body);
    };
    if (minIndex == 0 || Long.compareUnsigned(index.getAsLong(), minIndex) > 0) {
      respond.run();
      return;
    }
    new BlockedQuery(ctx, agent.catalog(), index, minIndex, respond).park(queryTimeout(wait));
  }

  /** Consul's RPCQueryTimeout: default when <= 0, capped at 10m, plus up to 1/16 of jitter. */
  private long queryTimeout(Duration wait) {
    Duration d = wait.isZero() || wait.isNegative() ? agent.options().defaultWait() : wait;
    if (d.compareTo(MAX_WAIT) > 0) {
      d = MAX_WAIT;
    }
    long ms = Math.max(1, d.toMillis());
    long jitterBound = agent.options().jitter() ? ms / 16 : 0;
    return ms + (jitterBound > 0 ? ThreadLocalRandom.current().nextLong(jitterBound) : 0);
  }

  /** One parked blocking query: released by a higher index, an index reset, the timeout or a close. */
  private static final class BlockedQuery {
    private final RoutingContext ctx;
    private final Catalog catalog;
    private final LongSupplier index;
    private final long minIndex;
    private final Runnable respond;
    private final Runnable onChange = this::onChange;
    private final Runnable onAbandon = this::finish;
    private long timer = -1;
    private boolean done;

    BlockedQuery(RoutingContext ctx, Catalog catalog, LongSupplier index, long minIndex, Runnable respond) {
      this.ctx = ctx;
      this.catalog = catalog;
      this.index = index;
      this.minIndex = minIndex;
      this.respond = respond;
    }

    void park(long timeoutMs) {
      catalog.addListener(onChange);
      catalog.addAbandonListener(onAbandon);
      timer = ctx.vertx().setTimer(timeoutMs, t -> finish());
      ctx.response().closeHandler(v -> release());
    }

    private void onChange() {
      if (Long.compareUnsigned(index.getAsLong(), minIndex) > 0) {
        finish();
      }
    }

    private void finish() {
      if (release() && !ctx.response().closed()) {
        respond.run();
      }
    }

    private boolean release() {
      if (done) {
        return false;
      }
      done = true;
      catalog.removeListener(onChange);
      catalog.removeAbandonListener(onAbandon);
      ctx.vertx().cancelTimer(timer);
      return true;
    }
  }

  // ---- responses ----

  private static void indexHeaders(HttpServerResponse response, long index) {
    response.putHeader("X-Consul-Index", Long.toUnsignedString(index))
        .putHeader("X-Consul-KnownLeader", "true")
        .putHeader("X-Consul-LastContact", "0")
        .putHeader("X-Consul-Effective-Consistency", "leader")
        .putHeader("X-Consul-Query-Backend", "blocking-query");
  }

  private static void filtered(RoutingContext ctx) {
    ctx.response().putHeader("X-Consul-Results-Filtered-By-ACLs", "true");
  }

  private static void json(RoutingContext ctx, Object body) {
    String encoded;
    boolean pretty = ctx.request().params().contains("pretty");
    if (body instanceof JsonObject o) {
      encoded = pretty ? o.encodePrettily() + "\n" : o.encode();
    } else if (body instanceof JsonArray a) {
      encoded = pretty ? a.encodePrettily() + "\n" : a.encode();
    } else {
      encoded = "\"" + body + "\"";
    }
    ctx.response().setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader("Vary", "Accept-Encoding")
        .end(encoded);
  }

  private static void text(RoutingContext ctx, int status, String body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end(body);
  }

  /** Consul parses bools with Go's strconv.ParseBool; a bare {@code ?passing} is true. */
  private static Boolean bool(String value) {
    if (value == null) {
      return false;
    }
    String v = value.toLowerCase(Locale.ROOT);
    return TRUE.contains(v) ? Boolean.TRUE : FALSE.contains(v) ? Boolean.FALSE : null;
  }

  /** The rest of the raw path after {@code prefix}, percent-decoded as Go does ('+' stays '+'). */
  private static String tail(RoutingContext ctx, String prefix) {
    String path = ctx.request().path();
    String raw = path.length() > prefix.length() ? path.substring(prefix.length()) : "";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length()) {
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          out.write(hi * 16 + lo);
          i += 2;
          continue;
        }
      }
      byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
      out.write(bytes, 0, bytes.length);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
