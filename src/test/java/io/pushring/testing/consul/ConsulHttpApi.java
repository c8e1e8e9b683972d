package io.pushring.testing.consul;

import io.pushring.testing.consul.ConsulState.Check;
import io.pushring.testing.consul.ConsulState.CheckDef;
import io.pushring.testing.consul.ConsulState.Entry;
import io.pushring.testing.consul.ConsulState.RpcError;
import io.pushring.testing.consul.ConsulState.Service;
import io.pushring.testing.consul.ConsulState.Session;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The HTTP routes of {@link ConsulTestServer}: what pushring (discovery, registrar), the reconciler
 * (sessions, KV locks) and Prometheus's Consul SD call, nothing else. Every request passes the
 * fault gate (count, injected failure, cut, stall) first. Blocking reads follow Consul's
 * blockingquery: without {@code index} (or 0) answer at once; otherwise hold the request until the
 * endpoint's index exceeds it, the store is abandoned (index reset) or {@code wait} (default 5m, max
 * 10m, plus up to wait/16 jitter) runs out, then answer with the current result and index.
 * Wording of errors as Consul 1.4 writes them; an RPC error is a 500 with its text.
 */
final class ConsulHttpApi {
  private static final Duration MAX_WAIT = Duration.ofMinutes(10);
  private static final Duration MAX_LOCK_DELAY = Duration.ofSeconds(60);
  private static final Duration SESSION_TTL_MAX = Duration.ofHours(24);
  private static final int KV_MAX_VALUE = 512 * 1024;
  private static final Set<String> TRUE = Set.of("", "1", "t", "true");

  private final ConsulAgent agent;

  ConsulHttpApi(ConsulAgent agent) {
    this.agent = agent;
  }

  Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    // the body is read first: a stalled request must not lose body bytes that arrive meanwhile
    router.put().handler(BodyHandler.create().setBodyLimit(KV_MAX_VALUE + 1L).setHandleFileUploads(false));
    router.route().handler(this::faultGate);
    router.route().handler(this::aclGate);
    router.put("/v1/acl/policy").handler(this::aclPolicyCreate);
    router.put("/v1/acl/token").handler(this::aclTokenCreate);
    router.delete("/v1/acl/token/*").handler(this::aclTokenDelete);
    router.put("/v1/agent/service/register").handler(this::register);
    router.put("/v1/agent/service/deregister/*").handler(this::deregister);
    router.get("/v1/agent/services").handler(ctx -> json(ctx, agentServices(authz(ctx))));
    router.get("/v1/agent/self").handler(ctx -> {
      if (!deniedRead(ctx, "agent", ConsulTestServer.NODE_NAME)) json(ctx, agentSelf());
    });
    router.get("/v1/health/service/*").handler(this::healthService);
    router.get("/v1/catalog/services").handler(this::catalogServices);
    router.get("/v1/status/leader").handler(ctx -> json(ctx, "127.0.0.1:8300"));
    router.put("/v1/session/create").handler(this::sessionCreate);
    router.put("/v1/session/renew/*").handler(this::sessionRenew);
    router.put("/v1/session/destroy/*").handler(this::sessionDestroy);
    router.get("/v1/session/info/*").handler(ctx -> sessions(ctx, s -> s.id().equals(tail(ctx, "/v1/session/info/"))));
    router.get("/v1/session/list").handler(ctx -> sessions(ctx, s -> true));
    router.get("/v1/kv/*").handler(this::kvGet);
    router.put("/v1/kv/*").handler(this::kvPut);
    router.delete("/v1/kv/*").handler(this::kvDelete);
    router.route().last().handler(ctx -> text(ctx, 404, "404 page not found\n"));
    return router;
  }

  private ConsulState state() {
    return agent.state();
  }

  // ---- faults ----

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
      // vertx-consul-client's BrokenConsul: promise 10000 bytes, send a few, hang up
      ctx.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_LENGTH, "10000")
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").write("[{\"Node\":");
      ctx.request().connection().close();
      return;
    }
    long stallMs = faults.currentStall().toMillis();
    if (stallMs > 0) {
      ctx.vertx().setTimer(stallMs, t -> {
        if (!ctx.response().closed()) ctx.next();
      });
      return;
    }
    ctx.next();
  }

  // ---- ACLs (ConsulAcls: the subset pushring's tests use) ----

  private static final String AUTHZ = "consul.acl.authorizer";

  /**
   * Resolves the request's token (header {@code X-Consul-Token}, else {@code ?token=}) once: an
   * unknown one is refused at once with Consul's {@code 403 ACL not found}; the authorizer is kept
   * for the handlers. ACLs off: everything allowed.
   */
  private void aclGate(RoutingContext ctx) {
    ConsulAcls acls = agent.acls();
    if (acls == null) {
      ctx.put(AUTHZ, ConsulAcls.ALL);
      ctx.next();
      return;
    }
    String token = ctx.request().getHeader("X-Consul-Token");
    if (token == null || token.isEmpty()) token = ctx.request().getParam("token");
    ConsulAcls.Authorizer authz = acls.resolve(token);
    if (authz == null) {
      text(ctx, 403, ConsulAcls.ACL_NOT_FOUND);
      return;
    }
    ctx.put(AUTHZ, authz);
    ctx.next();
  }

  private static ConsulAcls.Authorizer authz(RoutingContext ctx) {
    return ctx.get(AUTHZ);
  }

  /** True (and the 403 sent) when the request may not write {@code kind "name"}. */
  private static boolean deniedWrite(RoutingContext ctx, String kind, String name) {
    if (authz(ctx).write(kind, name)) return false;
    text(ctx, 403, ConsulAcls.PERMISSION_DENIED);
    return true;
  }

  private static boolean deniedRead(RoutingContext ctx, String kind, String name) {
    if (authz(ctx).read(kind, name)) return false;
    text(ctx, 403, ConsulAcls.PERMISSION_DENIED);
    return true;
  }

  /** acl:write: only the master token here (Consul: any token with {@code acl = "write"}). */
  private boolean notAclAdmin(RoutingContext ctx) {
    if (agent.acls() == null) {
      text(ctx, 401, "ACL support disabled");
      return true;
    }
    if (authz(ctx) == ConsulAcls.ALL) return false;
    text(ctx, 403, ConsulAcls.PERMISSION_DENIED);
    return true;
  }

  private void aclPolicyCreate(RoutingContext ctx) {
    if (notAclAdmin(ctx)) return;
    try {
      JsonObject body = ctx.body().asJsonObject();
      ConsulAcls.Policy p = agent.acls().createPolicy(str(body, "Name"), str(body, "Rules"));
      json(ctx, new JsonObject().put("ID", p.id()).put("Name", p.name()).put("Description", str(body, "Description"))
          .put("Rules", p.rules()).put("CreateIndex", p.index()).put("ModifyIndex", p.index()));
    } catch (IllegalArgumentException e) {
      text(ctx, 400, e.getMessage());
    }
  }

  private void aclTokenCreate(RoutingContext ctx) {
    if (notAclAdmin(ctx)) return;
    try {
      JsonObject body = ctx.body().asJsonObject();
      List<String> refs = new ArrayList<>();
      if (get(body, "Policies") instanceof JsonArray ps) {
        for (Object o : ps) {
          JsonObject link = (JsonObject) o;
          refs.add(!str(link, "ID").isEmpty() ? str(link, "ID") : str(link, "Name"));
        }
      }
      ConsulAcls.Token t = agent.acls().createToken(refs, str(body, "Description"));
      JsonArray links = new JsonArray();
      for (String id : t.policyIds()) links.add(new JsonObject().put("ID", id).put("Name", agent.acls().policy(id).name()));
      json(ctx, new JsonObject().put("AccessorID", t.accessorId()).put("SecretID", t.secretId())
          .put("Description", t.description()).put("Policies", links).put("Local", false)
          .put("CreateIndex", t.index()).put("ModifyIndex", t.index()));
    } catch (IllegalArgumentException e) {
      text(ctx, 400, e.getMessage());
    }
  }

  private void aclTokenDelete(RoutingContext ctx) {
    if (notAclAdmin(ctx)) return;
    json(ctx, agent.acls().deleteToken(tail(ctx, "/v1/acl/token/")));
  }

  // ---- agent ----

  private void register(RoutingContext ctx) {
    JsonObject body;
    try {
      Buffer raw = ctx.body().buffer();
      body = raw == null || raw.length() == 0 ? new JsonObject() : new JsonObject(raw);
    } catch (RuntimeException e) {
      text(ctx, 400, "Request decode failed: " + e.getMessage());
      return;
    }
    String name = str(body, "Name");
    if (name.isEmpty()) {
      text(ctx, 400, "Missing service name");
      return;
    }
    if (deniedWrite(ctx, "service", name)) return;
    String id = str(body, "ID").isEmpty() ? name : str(body, "ID");
    List<String> tags = new ArrayList<>();
    JsonArray rawTags = (JsonArray) get(body, "Tags");
    if (rawTags != null) rawTags.forEach(t -> tags.add(String.valueOf(t)));
    Map<String, String> meta = new TreeMap<>();
    JsonObject rawMeta = (JsonObject) get(body, "Meta");
    if (rawMeta != null) rawMeta.forEach(e -> meta.put(e.getKey(), String.valueOf(e.getValue())));
    Object port = get(body, "Port");
    List<JsonObject> checkJson = new ArrayList<>();
    if (get(body, "Check") instanceof JsonObject c && !c.isEmpty()) checkJson.add(c);
    if (get(body, "Checks") instanceof JsonArray many) many.forEach(c -> checkJson.add((JsonObject) c));
    List<CheckDef> checks = new ArrayList<>();
    try {
      addChecks(id, name, checkJson, checks);
    } catch (IllegalArgumentException e) {
      text(ctx, 400, e.getMessage());
      return;
    }
    agent.register(new Service(id, name, List.copyOf(tags), str(body, "Address"),
        port == null ? 0 : ((Number) port).intValue(), Map.copyOf(meta), 0, 0), checks);
    ctx.response().setStatusCode(200).end();
  }

  /** Consul's check defaults and floors; throws with the 400 text. */
  private void addChecks(String id, String name, List<JsonObject> checkJson, List<CheckDef> checks) {
    for (int i = 0; i < checkJson.size(); i++) {
      JsonObject c = checkJson.get(i);
      if (str(c, "HTTP").isEmpty()) {
        throw new IllegalArgumentException(
            "ConsulTestServer runs HTTP checks only (the kind pushring registers): " + c.encode());
      }
      Duration interval = duration(get(c, "Interval"));
      if (interval.isZero()) {
        throw new IllegalArgumentException("Invalid check: Interval must be > 0 for Script, HTTP, or TCP checks");
      }
      Duration timeout = duration(get(c, "Timeout"));
      Duration reapAfter = duration(get(c, "DeregisterCriticalServiceAfter"));
      ConsulTestServer.Options opts = agent.options();
      String checkId = !str(c, "CheckID").isEmpty() ? str(c, "CheckID") : !str(c, "ID").isEmpty() ? str(c, "ID")
          : "service:" + id + (checkJson.size() > 1 ? ":" + (i + 1) : "");
      checks.add(new CheckDef(checkId, str(c, "Name").isEmpty() ? "Service '" + name + "' check" : str(c, "Name"),
          str(c, "HTTP"), str(c, "Method").isEmpty() ? "GET" : str(c, "Method").toUpperCase(Locale.ROOT),
          max(interval, opts.minCheckInterval()), timeout.isZero() ? Duration.ofSeconds(10) : timeout,
          reapAfter.isZero() ? Duration.ZERO : max(reapAfter, opts.minDeregisterAfter()),
          str(c, "Status").isEmpty() ? ConsulState.CRITICAL : str(c, "Status")));
    }
  }

  private void deregister(RoutingContext ctx) {
    String id = tail(ctx, "/v1/agent/service/deregister/");
    Service known = state().services().stream().filter(s -> s.id().equals(id)).findFirst().orElse(null);
    if (known != null && deniedWrite(ctx, "service", known.name())) return;
    if (!agent.deregister(id)) {
      text(ctx, 404, "Unknown service ID \"" + id + "\". Ensure that the service ID is passed, not the service name.");
      return;
    }
    ctx.response().setStatusCode(200).end();
  }

  private JsonObject agentServices(ConsulAcls.Authorizer authz) {
    JsonObject out = new JsonObject();
    for (Service s : state().services()) {
      if (!authz.read("service", s.name())) continue; // Consul leaves out what the token may not read
      out.put(s.id(), new JsonObject().put("ID", s.id()).put("Service", s.name()).put("Tags", new JsonArray(s.tags()))
          .put("Meta", new JsonObject(Map.copyOf(s.meta()))).put("Port", s.port()).put("Address", s.address())
          .put("Weights", weights()).put("EnableTagOverride", false));
    }
    return out;
  }

  /** Prometheus's Consul SD reads Config.Datacenter; the rest is for humans. */
  private JsonObject agentSelf() {
    return new JsonObject()
        .put("Config", new JsonObject().put("Datacenter", ConsulTestServer.DATACENTER)
            .put("NodeName", ConsulTestServer.NODE_NAME).put("Server", true).put("Version", ConsulTestServer.VERSION))
        .put("Member", new JsonObject().put("Name", ConsulTestServer.NODE_NAME).put("Addr", "127.0.0.1")
            .put("Port", 8301).put("Status", 1));
  }

  // ---- health and catalog ----

  private void healthService(RoutingContext ctx) {
    String name = tail(ctx, "/v1/health/service/");
    String passingParam = ctx.request().getParam("passing");
    boolean passing = passingParam != null && TRUE.contains(passingParam.toLowerCase(Locale.ROOT));
    ConsulAcls.Authorizer authz = authz(ctx);
    blocking(ctx, ("service:" + name)::equals, () -> state().serviceIndex(name), () -> {
      JsonArray out = new JsonArray();
      // Consul 1.4's filterCheckServiceNodes: an entry needs service:read on it and node:read on its node
      if (!authz.read("service", name) || !authz.read("node", ConsulTestServer.NODE_NAME)) return out;
      for (Service s : state().instancesOf(name)) {
        JsonArray checks = new JsonArray().add(serfHealth());
        boolean allPassing = true;
        for (Check c : state().checksOf(s.id())) {
          checks.add(check(c, s));
          allPassing &= ConsulState.PASSING.equals(c.status());
        }
        if (passing && !allPassing) continue; // ?passing: every check, warning included, must pass
        out.add(new JsonObject().put("Node", node()).put("Service", service(s)).put("Checks", checks));
      }
      return out;
    });
  }

  private void catalogServices(RoutingContext ctx) {
    blocking(ctx, topic -> topic.startsWith("service:"), () -> state().servicesIndex(), () -> {
      JsonObject out = new JsonObject().put("consul", new JsonArray());
      ConsulAcls.Authorizer authz = authz(ctx);
      state().serviceTags().forEach((name, tags) -> {
        if (authz.read("service", name)) out.put(name, new JsonArray(new ArrayList<>(tags)));
      });
      return out;
    });
  }

  // ---- sessions ----

  private void sessionCreate(RoutingContext ctx) {
    JsonObject body;
    try {
      Buffer raw = ctx.body().buffer();
      body = raw == null || raw.length() == 0 ? new JsonObject() : new JsonObject(raw);
    } catch (RuntimeException e) {
      text(ctx, 400, "Request decode failed: " + e.getMessage());
      return;
    }
    Duration lockDelay = Duration.ofSeconds(15);
    Object rawDelay = get(body, "LockDelay");
    try {
      if (rawDelay instanceof Number n) {
        // Consul's FixupLockDelay: a small number means seconds, a large one nanoseconds
        lockDelay = n.longValue() < 1000 ? Duration.ofSeconds(n.longValue()) : Duration.ofNanos(n.longValue());
      } else if (rawDelay instanceof String s) {
        lockDelay = GoDuration.parse(s);
      }
    } catch (IllegalArgumentException e) {
      text(ctx, 400, "Request decode failed: " + e.getMessage());
      return;
    }
    if (lockDelay.compareTo(MAX_LOCK_DELAY) > 0) lockDelay = MAX_LOCK_DELAY;
    String behavior = str(body, "Behavior").isEmpty() ? "release" : str(body, "Behavior");
    String ttl = str(body, "TTL");
    List<String> checks = new ArrayList<>();
    if (get(body, "Checks") instanceof JsonArray given) given.forEach(c -> checks.add(String.valueOf(c)));
    else checks.add(ConsulState.SERF_HEALTH);
    String node = get(body, "Node") == null ? state().nodeName() : str(body, "Node");
    if (deniedWrite(ctx, "session", node)) return;
    try {
      if (!behavior.equals("release") && !behavior.equals("delete")) {
        throw new RpcError("Invalid Behavior setting '" + behavior + "'");
      }
      if (!ttl.isEmpty()) {
        Duration d;
        try {
          d = GoDuration.parse(ttl);
        } catch (IllegalArgumentException e) {
          throw new RpcError("Session TTL '" + ttl + "' invalid: " + e.getMessage());
        }
        Duration min = agent.options().sessionTtlMin();
        if (!d.isZero() && (d.compareTo(min) < 0 || d.compareTo(SESSION_TTL_MAX) > 0)) {
          throw new RpcError("Invalid Session TTL '" + d.toNanos() + "', must be between [" + GoDuration.format(min)
              + "=" + GoDuration.format(SESSION_TTL_MAX) + "]");
        }
      }
      Session s = state().createSession(str(body, "Name"), node, checks, lockDelay, behavior, ttl);
      agent.armSessionTimer(s);
      json(ctx, new JsonObject().put("ID", s.id()));
    } catch (RpcError e) {
      text(ctx, 500, e.getMessage());
    }
  }

  private void sessionRenew(RoutingContext ctx) {
    String id = tail(ctx, "/v1/session/renew/");
    Session s = state().session(id);
    if (s == null) {
      text(ctx, 404, "Session id '" + id + "' not found");
      return;
    }
    if (deniedWrite(ctx, "session", s.node())) return;
    agent.armSessionTimer(s);
    json(ctx, new JsonArray().add(session(s)));
  }

  private void sessionDestroy(RoutingContext ctx) {
    Session s = state().session(tail(ctx, "/v1/session/destroy/"));
    if (s != null && deniedWrite(ctx, "session", s.node())) return;
    state().destroySession(tail(ctx, "/v1/session/destroy/"));
    json(ctx, true);
  }

  private void sessions(RoutingContext ctx, Predicate<Session> which) {
    blocking(ctx, "session"::equals, () -> state().sessionsIndex(), () -> {
      JsonArray out = new JsonArray();
      ConsulAcls.Authorizer authz = authz(ctx);
      state().sessions().stream().filter(which).filter(s -> authz.read("session", s.node())).forEach(s -> out.add(session(s)));
      return out;
    });
  }

  // ---- KV ----

  private void kvGet(RoutingContext ctx) {
    String key = tail(ctx, "/v1/kv/");
    boolean recurse = ctx.request().params().contains("recurse");
    boolean raw = ctx.request().params().contains("raw");
    if (!recurse && deniedRead(ctx, "key", key)) return;
    ConsulAcls.Authorizer authz = authz(ctx);
    Predicate<String> topic = recurse ? t -> t.startsWith("kv:" + key) : ("kv:" + key)::equals;
    LongSupplier index = recurse ? () -> state().prefixIndex(key) : () -> state().keyIndex(key);
    blocking(ctx, topic, index, () -> {
      List<Entry> found = recurse ? state().entries(key).stream().filter(e -> authz.read("key", e.key())).toList()
          : state().entry(key) == null ? List.of() : List.of(state().entry(key));
      if (found.isEmpty()) return null;
      if (raw) return Buffer.buffer(found.get(0).value());
      JsonArray out = new JsonArray();
      found.forEach(e -> out.add(entry(e)));
      return out;
    });
  }

  private void kvPut(RoutingContext ctx) {
    String key = tail(ctx, "/v1/kv/");
    if (key.isEmpty()) {
      text(ctx, 400, "Missing key name");
      return;
    }
    if (deniedWrite(ctx, "key", key)) return;
    Buffer body = ctx.body().buffer();
    byte[] value = body == null || body.length() == 0 ? null : body.getBytes();
    if (value != null && value.length > KV_MAX_VALUE) {
      text(ctx, 413, "Value exceeds " + KV_MAX_VALUE + " byte limit");
      return;
    }
    try {
      long flags = ctx.request().getParam("flags") == null ? 0 : Long.parseUnsignedLong(ctx.request().getParam("flags"));
      String acquire = ctx.request().getParam("acquire");
      String release = ctx.request().getParam("release");
      String cas = ctx.request().getParam("cas");
      boolean ok = acquire != null ? state().acquire(key, value, flags, acquire)
          : release != null ? state().release(key, value, flags, release)
          : state().put(key, value, flags, cas == null ? null : Long.parseUnsignedLong(cas));
      json(ctx, ok);
    } catch (NumberFormatException e) {
      text(ctx, 400, "Invalid number: " + e.getMessage());
    } catch (RpcError e) {
      text(ctx, 500, e.getMessage());
    }
  }

  private void kvDelete(RoutingContext ctx) {
    String key = tail(ctx, "/v1/kv/");
    if (deniedWrite(ctx, "key", key)) return;
    String cas = ctx.request().getParam("cas");
    json(ctx, state().delete(key, ctx.request().params().contains("recurse"),
        cas == null ? null : Long.parseUnsignedLong(cas)));
  }

  // ---- blocking queries ----

  /**
   * Answers {@code render}'s result (null: 404 with the index, as Consul answers a missing key) at
   * once, or once {@code index} exceeds the requested one after a write on a matching topic.
   */
  private void blocking(RoutingContext ctx, Predicate<String> topic, LongSupplier index, Supplier<Object> render) {
    String dc = ctx.request().getParam("dc");
    if (dc != null && !dc.isEmpty() && !dc.equals(ConsulTestServer.DATACENTER)) {
      text(ctx, 500, "No path to datacenter");
      return;
    }
    Duration wait = agent.options().defaultWait();
    String waitParam = ctx.request().getParam("wait");
    long minIndex = 0;
    try {
      if (waitParam != null && !waitParam.isEmpty()) wait = GoDuration.parse(waitParam);
    } catch (IllegalArgumentException e) {
      text(ctx, 400, "Invalid wait time");
      return;
    }
    try {
      String indexParam = ctx.request().getParam("index");
      if (indexParam != null && !indexParam.isEmpty()) minIndex = Long.parseUnsignedLong(indexParam);
    } catch (NumberFormatException e) {
      text(ctx, 400, "Invalid index");
      return;
    }
    Runnable respond = () -> {
      Object body = render.get();
      ctx.response().putHeader("X-Consul-Index", Long.toUnsignedString(index.getAsLong()))
          .putHeader("X-Consul-KnownLeader", "true").putHeader("X-Consul-LastContact", "0");
      if (body == null) {
        ctx.response().setStatusCode(404).end();
      } else if (body instanceof Buffer raw) {
        ctx.response().setStatusCode(200).end(raw);
      } else {
        json(ctx, body);
      }
    };
    if (minIndex == 0 || Long.compareUnsigned(index.getAsLong(), minIndex) > 0) {
      respond.run();
      return;
    }
    if (wait.isZero() || wait.isNegative()) wait = agent.options().defaultWait();
    if (wait.compareTo(MAX_WAIT) > 0) wait = MAX_WAIT;
    long ms = Math.max(1, wait.toMillis());
    long jitter = ms / 16 > 0 ? ThreadLocalRandom.current().nextLong(ms / 16) : 0;
    new BlockedQuery(ctx, state(), topic, index, minIndex, respond).park(ms + jitter);
  }

  /** One parked query: released by a matching write that raises its index, an index reset, the timeout or a close. */
  private static final class BlockedQuery {
    private final RoutingContext ctx;
    private final ConsulState state;
    private final Predicate<String> topic;
    private final LongSupplier index;
    private final long minIndex;
    private final Runnable respond;
    private final Consumer<String> onWrite = this::onWrite;
    private final Runnable onAbandon = this::finish;
    private long timer = -1;
    private boolean done;

    BlockedQuery(RoutingContext ctx, ConsulState state, Predicate<String> topic, LongSupplier index, long minIndex,
        Runnable respond) {
      this.ctx = ctx;
      this.state = state;
      this.topic = topic;
      this.index = index;
      this.minIndex = minIndex;
      this.respond = respond;
    }

    void park(long timeoutMs) {
      state.addListener(onWrite);
      state.addAbandonListener(onAbandon);
      timer = ctx.vertx().setTimer(timeoutMs, t -> finish());
      ctx.response().closeHandler(v -> release());
    }

    private void onWrite(String written) {
      if (topic.test(written) && Long.compareUnsigned(index.getAsLong(), minIndex) > 0) finish();
    }

    private void finish() {
      if (release() && !ctx.response().closed()) respond.run();
    }

    private boolean release() {
      if (done) return false;
      done = true;
      state.removeListener(onWrite);
      state.removeAbandonListener(onAbandon);
      ctx.vertx().cancelTimer(timer);
      return true;
    }
  }

  // ---- JSON shapes (Consul 1.4's field names; vertx-consul-client and Go's api package read them) ----

  private static JsonObject node() {
    return new JsonObject().put("ID", ConsulTestServer.NODE_ID).put("Node", ConsulTestServer.NODE_NAME)
        .put("Address", "127.0.0.1").put("Datacenter", ConsulTestServer.DATACENTER)
        .put("TaggedAddresses", new JsonObject().put("lan", "127.0.0.1").put("wan", "127.0.0.1"))
        .put("Meta", new JsonObject().put("consul-network-segment", "")).put("CreateIndex", 1).put("ModifyIndex", 1);
  }

  private static JsonObject service(Service s) {
    return new JsonObject().put("ID", s.id()).put("Service", s.name()).put("Tags", new JsonArray(s.tags()))
        .put("Address", s.address()).put("Meta", new JsonObject(Map.copyOf(s.meta()))).put("Port", s.port())
        .put("Weights", weights()).put("EnableTagOverride", false)
        .put("CreateIndex", s.createIndex()).put("ModifyIndex", s.modifyIndex());
  }

  private static JsonObject check(Check c, Service s) {
    return new JsonObject().put("Node", ConsulTestServer.NODE_NAME).put("CheckID", c.def().id())
        .put("Name", c.def().name()).put("Status", c.status()).put("Notes", "").put("Output", c.output())
        .put("ServiceID", s.id()).put("ServiceName", s.name()).put("ServiceTags", new JsonArray(s.tags()))
        .put("Definition", new JsonObject()).put("CreateIndex", c.createIndex()).put("ModifyIndex", c.modifyIndex());
  }

  /** The node check every health entry carries; always passing on a single node. */
  private static JsonObject serfHealth() {
    return new JsonObject().put("Node", ConsulTestServer.NODE_NAME).put("CheckID", ConsulState.SERF_HEALTH)
        .put("Name", "Serf Health Status").put("Status", ConsulState.PASSING).put("Notes", "")
        .put("Output", "Agent alive and reachable").put("ServiceID", "").put("ServiceName", "")
        .put("ServiceTags", new JsonArray()).put("Definition", new JsonObject())
        .put("CreateIndex", 1).put("ModifyIndex", 1);
  }

  private static JsonObject session(Session s) {
    return new JsonObject().put("ID", s.id()).put("Name", s.name()).put("Node", s.node())
        .put("Checks", new JsonArray(s.checks())).put("LockDelay", s.lockDelay().toNanos())
        .put("Behavior", s.behavior()).put("TTL", s.ttl())
        .put("CreateIndex", s.createIndex()).put("ModifyIndex", s.modifyIndex());
  }

  private static JsonObject entry(Entry e) {
    JsonObject out = new JsonObject().put("LockIndex", e.lockIndex()).put("Key", e.key()).put("Flags", e.flags())
        .put("Value", e.value() == null ? null : Base64.getEncoder().encodeToString(e.value()));
    if (e.session() != null) out.put("Session", e.session());
    return out.put("CreateIndex", e.createIndex()).put("ModifyIndex", e.modifyIndex());
  }

  private static JsonObject weights() {
    return new JsonObject().put("Passing", 1).put("Warning", 1);
  }

  // ---- small helpers ----

  private static void json(RoutingContext ctx, Object body) {
    String encoded = body instanceof JsonObject o ? o.encode() : body instanceof JsonArray a ? a.encode()
        : body instanceof String s ? "\"" + s + "\"" : String.valueOf(body);
    // Go's json.Encoder ends every document with a newline
    ctx.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(encoded + "\n");
  }

  private static void text(RoutingContext ctx, int status, String body) {
    if (ctx.response().ended() || ctx.response().closed()) return;
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end(body);
  }

  /** A field by name, case-insensitively (Go's JSON decoding); JSON null counts as absent. */
  private static Object get(JsonObject json, String name) {
    for (String field : json.fieldNames()) {
      if (field.equalsIgnoreCase(name)) return json.getValue(field);
    }
    return null;
  }

  private static String str(JsonObject json, String name) {
    Object v = get(json, name);
    return v == null ? "" : String.valueOf(v);
  }

  /** A Go duration string ("10s") or a number of nanoseconds; absent is zero. */
  private static Duration duration(Object value) {
    if (value instanceof Number n) return Duration.ofNanos(n.longValue());
    return value == null || String.valueOf(value).isEmpty() ? Duration.ZERO : GoDuration.parse(String.valueOf(value));
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** The rest of the path after {@code prefix}, percent-decoded as Go does ('+' stays '+'). */
  private static String tail(RoutingContext ctx, String prefix) {
    String path = ctx.request().path();
    String raw = path.length() > prefix.length() ? path.substring(prefix.length()) : "";
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
