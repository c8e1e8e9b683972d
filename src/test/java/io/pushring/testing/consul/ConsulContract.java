package io.pushring.testing.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pushring.testing.Await;
import io.pushring.testing.PushgatewayProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.consul.BlockingQueryOptions;
import io.vertx.ext.consul.CheckStatus;
import io.vertx.ext.consul.ConsulClient;
import io.vertx.ext.consul.ConsulClientOptions;
import io.vertx.ext.consul.Service;
import io.vertx.ext.consul.ServiceEntry;
import io.vertx.ext.consul.ServiceEntryList;
import io.vertx.ext.consul.ServiceOptions;
import io.vertx.ext.consul.ServiceQueryOptions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What pushring, its reconciler and Prometheus rely on Consul for, as tests that run unchanged
 * against the in-repo {@link ConsulTestServer} ({@link InRepoConsulContractTest}) and against a real
 * agent ({@link RealConsulContractTest}, when the fixture chain finds one): so the double is only
 * trusted where a real Consul agrees. Set-up goes through the real HTTP API; service calls through
 * vertx-consul-client (what discovery uses), sessions and KV over plain HTTP (the wire format).
 * Timings are printed with the fixture's kind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ConsulContract {
  private Vertx vertx;
  private ConsulFixture consul;
  private ConsulClient client;
  private ConsulHttp http;

  /** The Consul under test; may skip the class by a failed assumption. */
  abstract ConsulFixture startConsul();

  @BeforeAll
  void startAll() {
    consul = startConsul();
    vertx = Vertx.vertx();
    client = ConsulClient.create(vertx, new ConsulClientOptions().setHost(consul.host()).setPort(consul.port()));
    http = new ConsulHttp(consul.host(), consul.port(), System.getenv(ConsulFixture.TOKEN_ENV));
  }

  @AfterAll
  void stopAll() {
    if (client != null) client.close();
    if (vertx != null) vertx.close().await();
    if (consul != null) consul.close();
  }

  @AfterEach
  void clean() {
    consul.clean();
  }

  private String kind() {
    return consul.kind();
  }

  // ---- services, health, blocking queries (discovery and registrar) ----

  @Test
  void registersAndDeregistersThroughTheVertxClient() {
    String name = unique("pgw");
    await(client.registerService(new ServiceOptions().setId(name + "-1").setName(name).setAddress("10.0.0.1")
        .setPort(9091).setTags(List.of("shard", "blue")).setMeta(Map.of("zone", "a"))));

    ServiceEntryList list = await(client.healthServiceNodes(name, true));
    assertThat(list.getIndex()).isPositive();
    ServiceEntry entry = list.getList().get(0);
    assertThat(list.getList()).hasSize(1);
    assertThat(entry.getService().getId()).isEqualTo(name + "-1");
    assertThat(entry.getService().getName()).isEqualTo(name);
    assertThat(entry.getService().getAddress()).isEqualTo("10.0.0.1");
    assertThat(entry.getService().getPort()).isEqualTo(9091);
    assertThat(entry.getService().getTags()).containsExactly("shard", "blue");
    assertThat(entry.getService().getMeta()).containsEntry("zone", "a");
    assertThat(entry.getNode().getAddress()).isEqualTo("127.0.0.1");
    assertThat(entry.getChecks()).extracting(c -> c.getId()).containsExactly("serfHealth");
    assertThat(entry.aggregatedStatus()).isEqualTo(CheckStatus.PASSING);
    List<Service> catalog = await(client.catalogServices()).getList();
    assertThat(catalog).filteredOn(s -> s.getName().equals(name)).singleElement()
        .satisfies(s -> assertThat(s.getTags()).containsExactlyInAnyOrder("shard", "blue"));

    assertThat(consul.deregisterService(name + "-1")).isTrue();
    assertThat(await(client.healthServiceNodes(name, false)).getList()).isEmpty();
    // Consul 1.4.0 answers 200 for an unknown ID, 1.11+ (and the in-repo server) 404: either way nothing is left
    ConsulHttp.Reply unknown = http.put("/v1/agent/service/deregister/" + name + "-1", "");
    System.out.printf("[contract %s] deregister of an unknown service ID: HTTP %d %s%n", kind(), unknown.status(),
        unknown.body());
    assertThat(unknown.status()).isIn(200, 404);
  }

  @Test
  void reRegisteringTheSameIdReplacesTheInstance() {
    String name = unique("pgw");
    ServiceOptions first = new ServiceOptions().setId(name + "-1").setName(name).setAddress("10.0.0.1").setPort(1);
    await(client.registerService(first));
    long before = await(client.healthServiceNodes(name, false)).getIndex();
    await(client.registerService(first.setPort(2)));
    ServiceEntryList moved = await(client.healthServiceNodes(name, false));
    assertThat(moved.getList()).singleElement().satisfies(e -> assertThat(e.getService().getPort()).isEqualTo(2));
    assertThat(moved.getIndex()).isGreaterThan(before);
  }

  @Test
  void rejectsBadRegistrationsWithConsulsMessages() {
    String name = unique("bad");
    ConsulHttp.Reply noInterval = http.put("/v1/agent/service/register", new JsonObject().put("Name", name)
        .put("Check", new JsonObject().put("HTTP", "http://127.0.0.1:1/")).encode());
    ConsulHttp.Reply noName = http.put("/v1/agent/service/register", new JsonObject().put("ID", name).encode());
    System.out.printf("[contract %s] bad registrations: %d %s | %d %s%n", kind(), noInterval.status(),
        noInterval.body(), noName.status(), noName.body());
    assertThat(noInterval.status()).isEqualTo(400);
    assertThat(noInterval.body()).contains("Interval must be > 0");
    assertThat(noName.status()).isEqualTo(400);
    assertThat(noName.body()).contains("Missing service name");
    assertThat(consul.allServiceIds(name)).isEmpty();
  }

  @Test
  void passingFiltersOutInstancesWhoseCheckFails() {
    String name = unique("pgw");
    try (CheckTarget ok = CheckTarget.start(vertx); CheckTarget failing = CheckTarget.start(vertx)) {
      failing.status(500);
      consul.registerService(name + "-ok", name, "127.0.0.1", ok.port(), ok.url(), "1s", null);
      consul.registerService(name + "-bad", name, "127.0.0.1", failing.port(), failing.url(), "1s", null);
      consul.awaitPassingServiceIds(name, List.of(name + "-ok"), Duration.ofSeconds(5));
      Await.until("the failing check to have run", Duration.ofSeconds(5), () -> failing.hits() > 0);
      assertThat(consul.allServiceIds(name)).containsExactly(name + "-bad", name + "-ok");
      assertThat(consul.passingServiceIds(name)).containsExactly(name + "-ok");
      ServiceEntry bad = await(client.healthServiceNodes(name, false)).getList().stream()
          .filter(e -> e.getService().getId().equals(name + "-bad")).findFirst().orElseThrow();
      // critical from the start: no status change yet, so the catalog still has the registration's empty output
      assertThat(bad.aggregatedStatus()).isEqualTo(CheckStatus.CRITICAL);
    }
  }

  @Test
  void indexIsNeverZero() {
    String name = unique("nothing");
    assertThat(await(client.healthServiceNodes(name, true)).getIndex()).isGreaterThanOrEqualTo(1);
    assertThat(await(client.catalogServices()).getIndex()).isGreaterThanOrEqualTo(1);
    assertThat(http.get("/v1/kv/" + name).index()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void catalogServicesBlocksUntilAServiceAppears() throws Exception {
    long index = await(client.catalogServices()).getIndex();
    Future<io.vertx.ext.consul.ServiceList> blocked =
        client.catalogServicesWithOptions(new BlockingQueryOptions().setIndex(index).setWait("30s"));
    Await.sleep(200);
    assertThat(blocked.isComplete()).isFalse();
    String name = unique("new");
    long start = System.nanoTime();
    consul.registerService(name, name, "127.0.0.1", 1);
    io.vertx.ext.consul.ServiceList after = await(blocked);
    System.out.printf("[contract %s] catalog/services blocked query released %d ms after a registration%n", kind(),
        Await.millisSince(start));
    assertThat(after.getIndex()).isGreaterThan(index);
    assertThat(after.getList()).extracting(Service::getName).contains(name, "consul");
  }

  @Test
  void blockingQueryTimesOutAtWaitWithTheSameIndex() {
    String name = unique("quiet");
    consul.registerService(name, name, "127.0.0.1", 1);
    long index = await(client.healthServiceNodes(name, true)).getIndex();
    long start = System.nanoTime();
    ServiceEntryList after = await(client.healthServiceNodesWithOptions(name, true, blockingOn(index, "1s")));
    long ms = Await.millisSince(start);
    System.out.printf("[contract %s] blocking query, no change, wait=1s: returned after %d ms (Consul: up to 1062)%n",
        kind(), ms);
    assertThat(after.getIndex()).isEqualTo(index);
    assertThat(ms).isBetween(990L, 1062L + 1000L); // slack for a loaded 2-core machine
  }

  @Test
  void blockingQueryReturnsWhenTheHttpCheckFlips() throws Exception {
    String name = unique("pgw");
    try (CheckTarget target = CheckTarget.start(vertx)) {
      consul.registerService(name + "-1", name, "127.0.0.1", target.port(), target.url(), "1s", null);
      consul.awaitPassingServiceIds(name, List.of(name + "-1"), Duration.ofSeconds(5));
      long index = await(client.healthServiceNodes(name, true)).getIndex();
      Future<ServiceEntryList> blocked = client.healthServiceNodesWithOptions(name, true, blockingOn(index, "30s"));
      Await.sleep(200);
      assertThat(blocked.isComplete()).as("still blocked while nothing changes").isFalse();
      long start = System.nanoTime();
      target.status(500);
      ServiceEntryList after = await(blocked);
      long ms = Await.millisSince(start);
      System.out.printf("[contract %s] check flip 200->500 seen by a blocked query after %d ms (interval 1s)%n",
          kind(), ms);
      assertThat(after.getIndex()).isGreaterThan(index);
      assertThat(after.getList()).isEmpty();
      assertThat(ms).isLessThan(1000 + 1500);
      assertThat(await(client.healthServiceNodes(name, false)).getList().get(0).getChecks())
          .filteredOn(c -> c.getServiceId().equals(name + "-1")).singleElement()
          .satisfies(c -> assertThat(c.getOutput()).startsWith("HTTP GET " + target.url() + ": 500"));
    }
  }

  @Test
  void httpCheckFollowsATargetThatGoesDownAndComesBack() {
    String name = unique("pgw");
    try (CheckTarget target = CheckTarget.start(vertx)) {
      consul.registerService(name + "-1", name, "127.0.0.1", target.port(), target.url(), "1s", null);
      long start = System.nanoTime();
      consul.awaitPassingServiceIds(name, List.of(name + "-1"), Duration.ofSeconds(5));
      long passing = Await.millisSince(start);
      target.down();
      start = System.nanoTime();
      consul.awaitPassingServiceIds(name, List.of(), Duration.ofSeconds(1 + 2 + 1));
      long down = Await.millisSince(start);
      assertThat(await(client.healthServiceNodes(name, false)).getList().get(0).getChecks())
          .filteredOn(c -> c.getServiceId().equals(name + "-1")).singleElement()
          .satisfies(c -> assertThat(c.getOutput()).contains("connection refused"));
      target.up();
      start = System.nanoTime();
      consul.awaitPassingServiceIds(name, List.of(name + "-1"), Duration.ofSeconds(1 + 2 + 1));
      System.out.printf("[contract %s] new HTTP check passing after %d ms; target down -> critical %d ms;"
          + " up -> passing %d ms%n", kind(), passing, down, Await.millisSince(start));
    }
  }

  @Test
  void checksTheRealPushgateway() {
    String name = unique("pushgateway");
    try (PushgatewayProcess pgw = PushgatewayProcess.start()) {
      consul.registerService(name + "-1", name, pgw.host(), pgw.port(), pgw.baseUrl() + "/-/healthy", "1s", null);
      long start = System.nanoTime();
      consul.awaitPassingServiceIds(name, List.of(name + "-1"), Duration.ofSeconds(10));
      long passing = Await.millisSince(start);
      pgw.kill();
      start = System.nanoTime();
      consul.awaitPassingServiceIds(name, List.of(), Duration.ofSeconds(4));
      System.out.printf("[contract %s] real Pushgateway passing after %d ms; SIGKILL -> not passing after %d ms%n",
          kind(), passing, Await.millisSince(start));
    }
  }

  @Test
  void anOutageDropsBlockedQueriesAndTheAgentComesBack() throws Exception {
    assumeTrue(consul.canRestart(), consul.restartUnsupportedReason());
    String name = unique("pgw");
    consul.registerService(name + "-1", name, "127.0.0.1", 1);
    long index = await(client.healthServiceNodes(name, true)).getIndex();
    Future<ServiceEntryList> blocked = client.healthServiceNodesWithOptions(name, true, blockingOn(index, "30s"));
    Await.sleep(200);
    consul.stop();
    try {
      assertThatThrownBy(() -> await(blocked)).as("the blocked query sees the connection go").isNotNull();
      // A query sent at once may still pick a pooled connection the stop is closing ("Connection was
      // closed"); the next ones open a new connection, and that is refused.
      Await.until("a new query to be refused", Duration.ofSeconds(5), () -> {
        try {
          await(client.healthServiceNodes(name, true));
          return false;
        } catch (RuntimeException e) {
          return String.valueOf(e.getMessage()).contains("Connection refused");
        }
      });
    } finally {
      consul.restart(); // also when an assertion failed: the contract's other tests share this agent
    }
    List<String> after = consul.passingServiceIds(name);
    if (consul.keepsStateAcrossRestart()) {
      assertThat(after).containsExactly(name + "-1");
    } else {
      assertThat(after).as("a dev agent forgets everything").isEmpty();
    }
  }

  @Test
  void speaksWhatPrometheusConsulSdReads() {
    String name = unique("pgw");
    consul.registerService(new JsonObject().put("ID", name + "-1").put("Name", name).put("Address", "127.0.0.1")
        .put("Port", 9091).put("Tags", new JsonArray().add("x")));
    JsonObject self = new JsonObject(http.get("/v1/agent/self").body());
    assertThat(self.getJsonObject("Config").getString("Datacenter")).isEqualTo("dc1");
    ConsulHttp.Reply services = http.get("/v1/catalog/services?stale=&wait=1s&index=1");
    assertThat(services.index()).isPositive();
    assertThat(new JsonObject(services.body()).getMap()).containsKeys("consul", name);
    JsonObject entry = new JsonArray(http.get("/v1/health/service/" + name + "?stale=").body()).getJsonObject(0);
    assertThat(entry.getJsonObject("Node").fieldNames()).contains("ID", "Node", "Address", "Datacenter",
        "TaggedAddresses", "Meta");
    assertThat(entry.getJsonObject("Service").fieldNames()).contains("ID", "Service", "Tags", "Address", "Meta",
        "Port");
    assertThat(http.get("/v1/health/service/" + name + "?dc=dc9").status()).isEqualTo(500);
    ConsulHttp.Reply badWait = http.get("/v1/health/service/" + name + "?index=1&wait=soon");
    assertThat(badWait.status()).isEqualTo(400);
    assertThat(badWait.body()).isEqualTo("Invalid wait time");
  }

  // ---- sessions and KV locks (the reconciler's leader election) ----

  @Test
  void sessionDefaultsAsConsulDocumentsThem() {
    String id = createSession(new JsonObject().put("Name", "defaults"));
    JsonObject s = sessionInfo(id);
    System.out.printf("[contract %s] session defaults: %s%n", kind(), s.encode());
    assertThat(s.getString("Name")).isEqualTo("defaults");
    assertThat(s.getJsonArray("Checks").getList()).containsExactly("serfHealth");
    assertThat(s.getLong("LockDelay")).isEqualTo(15_000_000_000L);
    assertThat(s.getString("Behavior")).isEqualTo("release");
    assertThat(s.getString("TTL")).isEmpty();
    assertThat(destroy(id)).isEqualTo("true");
    assertThat(new JsonArray(http.get("/v1/session/info/" + id).body())).isEmpty();
  }

  @Test
  void badSessionsAreRefusedWithConsulsMessages() {
    ConsulHttp.Reply shortTtl = http.put("/v1/session/create", new JsonObject().put("TTL", "500ms").encode());
    ConsulHttp.Reply behavior = http.put("/v1/session/create", new JsonObject().put("Behavior", "keep").encode());
    ConsulHttp.Reply badCheck = http.put("/v1/session/create",
        new JsonObject().put("Checks", new JsonArray().add("no-such-check")).encode());
    String unknown = UUID.randomUUID().toString();
    ConsulHttp.Reply renew = http.put("/v1/session/renew/" + unknown, "");
    ConsulHttp.Reply acquire = http.put("/v1/kv/" + unique("k") + "?acquire=" + unknown, "v");
    System.out.printf("[contract %s] refused: %d %s | %d %s | %d %s | %d %s | %d %s%n", kind(), shortTtl.status(),
        shortTtl.body(), behavior.status(), behavior.body(), badCheck.status(), badCheck.body(), renew.status(),
        renew.body(), acquire.status(), acquire.body());
    assertThat(shortTtl.status()).isEqualTo(500);
    assertThat(shortTtl.body()).isEqualTo("Invalid Session TTL '500000000', must be between [1s=24h0m0s]");
    assertThat(behavior.status()).isEqualTo(500);
    assertThat(behavior.body()).isEqualTo("Invalid Behavior setting 'keep'");
    assertThat(badCheck.status()).isEqualTo(500);
    assertThat(badCheck.body()).isEqualTo("Missing check 'no-such-check' registration");
    assertThat(renew.status()).isEqualTo(404);
    assertThat(renew.body()).isEqualTo("Session id '" + unknown + "' not found");
    assertThat(acquire.status()).isEqualTo(500);
    assertThat(acquire.body()).isEqualTo("invalid session \"" + unknown + "\"");
  }

  @Test
  void aKeyIsALockThatOneSessionHoldsAtATime() {
    String key = "pushring/" + unique("leader");
    String a = createSession(new JsonObject().put("Name", "a"));
    String b = createSession(new JsonObject().put("Name", "b"));
    assertThat(put(key + "?acquire=" + a, "instance-a")).isEqualTo("true");
    assertThat(put(key + "?acquire=" + b, "instance-b")).as("held by a").isEqualTo("false");
    JsonObject held = kv(key);
    assertThat(held.getString("Session")).isEqualTo(a);
    assertThat(held.getLong("LockIndex")).isEqualTo(1);
    assertThat(value(held)).isEqualTo("instance-a");
    assertThat(put(key + "?acquire=" + a, "instance-a2")).as("the holder acquires again").isEqualTo("true");
    assertThat(kv(key).getLong("LockIndex")).as("no new lock").isEqualTo(1);
    assertThat(put(key + "?release=" + b, "")).as("b cannot release a's lock").isEqualTo("false");
    assertThat(put(key + "?release=" + a, "released")).isEqualTo("true");
    JsonObject free = kv(key);
    assertThat(free.containsKey("Session")).as("no holder: " + free).isFalse();
    assertThat(value(free)).isEqualTo("released");
    assertThat(put(key + "?acquire=" + b, "instance-b")).as("a voluntary release has no lock-delay").isEqualTo("true");
    assertThat(kv(key).getLong("LockIndex")).isEqualTo(2);
    assertThat(put(key, "plain write")).isEqualTo("true");
    assertThat(kv(key).getString("Session")).as("a plain write keeps the holder").isEqualTo(b);
    destroy(a);
    destroy(b);
  }

  @Test
  void aBlockedReadOfAKeyWakesOnItsOwnChangeOnly() throws Exception {
    String key = "pushring/" + unique("watched");
    put(key, "one");
    long index = http.get("/v1/kv/" + key).index();
    CompletableFuture<ConsulHttp.Reply> blocked =
        CompletableFuture.supplyAsync(() -> http.get("/v1/kv/" + key + "?index=" + index + "&wait=10s"));
    Await.sleep(300);
    put("pushring/" + unique("other"), "x");
    Await.sleep(300);
    assertThat(blocked.isDone()).as("another key's write does not wake it").isFalse();
    long start = System.nanoTime();
    put(key, "two");
    ConsulHttp.Reply after = blocked.get(10, TimeUnit.SECONDS);
    System.out.printf("[contract %s] blocked KV read released %d ms after its key changed%n", kind(),
        Await.millisSince(start));
    assertThat(after.index()).isGreaterThan(index);
    assertThat(value(new JsonArray(after.body()).getJsonObject(0))).isEqualTo("two");
    http.delete("/v1/kv/" + key);
  }

  @Test
  void destroyingASessionReleasesItsLockAndHoldsItForTheLockDelay() {
    String key = "pushring/" + unique("leader");
    String a = createSession(new JsonObject().put("Name", "a").put("LockDelay", "1s"));
    String b = createSession(new JsonObject().put("Name", "b"));
    assertThat(put(key + "?acquire=" + a, "a")).isEqualTo("true");
    long lockedIndex = kv(key).getLong("ModifyIndex");
    long destroyed = System.nanoTime();
    destroy(a);
    JsonObject released = kv(key);
    assertThat(released.containsKey("Session")).isFalse();
    assertThat(released.getLong("ModifyIndex")).as("the release is a write").isGreaterThan(lockedIndex);
    assertThat(put(key + "?acquire=" + b, "b")).as("within the lock-delay").isEqualTo("false");
    long acquired = Await.until("b acquires after the lock-delay", Duration.ofSeconds(5),
        () -> put(key + "?acquire=" + b, "b").equals("true"));
    long sinceDestroy = Await.millisSince(destroyed);
    System.out.printf("[contract %s] lock-delay 1s: another session acquired %d ms after the destroy%n", kind(),
        sinceDestroy);
    assertThat(sinceDestroy).isBetween(900L, 1_000L + 2_000L);
    assertThat(acquired).isPositive();
    destroy(b);
  }

  /** The reconciler's clean shutdown: release, then destroy; the next leader must not wait for the lock-delay. */
  @Test
  void releasingBeforeDestroyingHandsTheLockOverWithoutTheLockDelay() {
    String key = "pushring/" + unique("leader");
    String a = createSession(new JsonObject().put("Name", "a").put("LockDelay", "10s"));
    String b = createSession(new JsonObject().put("Name", "b"));
    assertThat(put(key + "?acquire=" + a, "a")).isEqualTo("true");
    assertThat(put(key + "?release=" + a, "")).isEqualTo("true");
    assertThat(destroy(a)).isEqualTo("true");
    assertThat(put(key + "?acquire=" + b, "b")).as("no lock-delay: the destroyed session held nothing").isEqualTo("true");
    destroy(b);
  }

  /**
   * The reconciler's crash handover as a follower sees it: its blocking read of the held key returns
   * when Consul ends the holder's unrenewed session, the key free; the lock-delay then refuses the
   * acquire until it has passed.
   */
  @Test
  void aBlockedReadSeesTheLockFreedWhenItsHoldersSessionExpiresThenTheLockDelayHoldsIt() {
    String key = "pushring/" + unique("leader");
    String crashed = createSession(new JsonObject().put("Name", "crashed").put("TTL", "1s").put("LockDelay", "1s"));
    long created = System.nanoTime();
    String next = createSession(new JsonObject().put("Name", "next"));
    assertThat(put(key + "?acquire=" + crashed, "crashed")).isEqualTo("true");
    long index = http.get("/v1/kv/" + key).index();
    ConsulHttp.Reply woke = http.get("/v1/kv/" + key + "?index=" + index + "&wait=10s");
    long expired = Await.millisSince(created);
    JsonObject entry = new JsonArray(woke.body()).getJsonObject(0);
    assertThat(woke.index()).isGreaterThan(index);
    assertThat(entry.containsKey("Session")).as("released by the expiry: " + entry).isFalse();
    assertThat(put(key + "?acquire=" + next, "next")).as("within the lock-delay").isEqualTo("false");
    Await.until("the next session acquires after the lock-delay", Duration.ofSeconds(5),
        () -> put(key + "?acquire=" + next, "next").equals("true"));
    long acquired = Await.millisSince(created);
    System.out.printf("[contract %s] TTL 1s, lock-delay 1s, not renewed: the blocked read woke %d ms after the"
        + " session's creation, the next session acquired at %d ms%n", kind(), expired, acquired);
    assertThat(expired).as("not before the TTL").isGreaterThanOrEqualTo(1_000L).isLessThanOrEqualTo(2_000L + 2_000L);
    assertThat(acquired - expired).as("the lock-delay after the expiry").isGreaterThanOrEqualTo(900L);
    destroy(next);
  }

  @Test
  void anUnrenewedSessionExpiresWithinTwiceItsTtlAndARenewedOneLives() {
    String key = "pushring/" + unique("leader");
    String lapsing = createSession(new JsonObject().put("Name", "lapsing").put("TTL", "1s").put("LockDelay", "0s"));
    String renewed = createSession(new JsonObject().put("Name", "renewed").put("TTL", "1s"));
    long created = System.nanoTime();
    assertThat(put(key + "?acquire=" + lapsing, "x")).isEqualTo("true");
    long expired = Await.until("the unrenewed session to be invalidated", Duration.ofSeconds(6), () -> {
      ConsulHttp.Reply r = http.put("/v1/session/renew/" + renewed, "");
      assertThat(r.status()).as("renewing %s: %s", renewed, r.body()).isEqualTo(200);
      return new JsonArray(http.get("/v1/session/info/" + lapsing).body()).isEmpty();
    });
    long sinceCreate = Await.millisSince(created);
    System.out.printf("[contract %s] TTL 1s: an unrenewed session invalidated %d ms after its creation"
        + " (Consul: between TTL and 2 x TTL); the renewed one lives%n", kind(), sinceCreate);
    assertThat(sinceCreate).as("not before its TTL").isGreaterThanOrEqualTo(1_000L);
    assertThat(expired).as("within 2 x TTL plus slack").isLessThanOrEqualTo(2_000L + 2_000L);
    assertThat(kv(key).containsKey("Session")).as("its lock was released").isFalse();
    assertThat(sessionInfo(renewed).getString("Name")).isEqualTo("renewed");
    destroy(renewed);
  }

  @Test
  void deleteBehaviorDeletesTheHeldKeys() {
    String key = "pushring/" + unique("ephemeral");
    String s = createSession(new JsonObject().put("Behavior", "delete").put("LockDelay", "0s"));
    assertThat(put(key + "?acquire=" + s, "x")).isEqualTo("true");
    destroy(s);
    assertThat(http.get("/v1/kv/" + key).status()).isEqualTo(404);
  }

  @Test
  void aSessionBoundToAServiceCheckEndsWhenTheCheckFails() {
    String name = unique("reconciler");
    try (CheckTarget target = CheckTarget.start(vertx)) {
      consul.registerService(name, name, "127.0.0.1", target.port(), target.url(), "1s", null);
      String checkId = "service:" + name;
      ConsulHttp.Reply early = http.put("/v1/session/create",
          new JsonObject().put("Checks", new JsonArray().add("serfHealth").add(checkId)).encode());
      assertThat(early.status()).as("a check that is still critical: " + early.body()).isEqualTo(500);
      assertThat(early.body()).isEqualTo("Check '" + checkId + "' is in critical state");
      consul.awaitPassingServiceIds(name, List.of(name), Duration.ofSeconds(5));
      String s = createSession(new JsonObject().put("Checks", new JsonArray().add("serfHealth").add(checkId))
          .put("LockDelay", "0s"));
      String key = "pushring/" + name;
      assertThat(put(key + "?acquire=" + s, "x")).isEqualTo("true");
      long start = System.nanoTime();
      target.status(500);
      Await.until("the session to end with its check", Duration.ofSeconds(5),
          () -> new JsonArray(http.get("/v1/session/info/" + s).body()).isEmpty());
      System.out.printf("[contract %s] session bound to a check: invalidated %d ms after its target failed%n",
          kind(), Await.millisSince(start));
      assertThat(kv(key).containsKey("Session")).isFalse();
    }
  }

  @Test
  void compareAndSetAndDelete() {
    String key = "pushring/" + unique("cas");
    assertThat(http.get("/v1/kv/" + key).status()).isEqualTo(404);
    assertThat(put(key + "?cas=0", "first")).isEqualTo("true");
    assertThat(put(key + "?cas=0", "again")).as("cas=0 only creates").isEqualTo("false");
    long index = kv(key).getLong("ModifyIndex");
    assertThat(put(key + "?cas=" + (index + 1000), "stale")).isEqualTo("false");
    assertThat(put(key + "?cas=" + index, "second")).isEqualTo("true");
    assertThat(value(kv(key))).isEqualTo("second");
    assertThat(http.delete("/v1/kv/" + key + "?cas=" + index).body().trim()).isEqualTo("false");
    assertThat(http.delete("/v1/kv/" + key).body().trim()).isEqualTo("true");
    ConsulHttp.Reply gone = http.get("/v1/kv/" + key);
    assertThat(gone.status()).isEqualTo(404);
    assertThat(gone.index()).isPositive();
  }

  // ---- helpers ----

  private String createSession(JsonObject body) {
    ConsulHttp.Reply r = http.put("/v1/session/create", body.encode());
    assertThat(r.status()).as("session create: " + r.body()).isEqualTo(200);
    return new JsonObject(r.body()).getString("ID");
  }

  private JsonObject sessionInfo(String id) {
    JsonArray info = new JsonArray(http.get("/v1/session/info/" + id).body());
    assertThat(info).as("session " + id).hasSize(1);
    return info.getJsonObject(0);
  }

  private String destroy(String id) {
    return http.put("/v1/session/destroy/" + id, "").body().trim();
  }

  private String put(String keyAndQuery, String value) {
    ConsulHttp.Reply r = http.put("/v1/kv/" + keyAndQuery, value);
    assertThat(r.status()).as("PUT " + keyAndQuery + ": " + r.body()).isEqualTo(200);
    return r.body().trim();
  }

  private JsonObject kv(String key) {
    ConsulHttp.Reply r = http.get("/v1/kv/" + key);
    assertThat(r.status()).as("GET " + key).isEqualTo(200);
    return new JsonArray(r.body()).getJsonObject(0);
  }

  private static String value(JsonObject entry) {
    String v = entry.getString("Value");
    return v == null ? "" : new String(Base64.getDecoder().decode(v), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static ServiceQueryOptions blockingOn(long index, String wait) {
    return new ServiceQueryOptions().setBlockingOptions(new BlockingQueryOptions().setIndex(index).setWait(wait));
  }

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
