package io.pushring.testing.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.consul.BlockingQueryOptions;
import io.vertx.ext.consul.CheckOptions;
import io.vertx.ext.consul.CheckStatus;
import io.vertx.ext.consul.ConsulClient;
import io.vertx.ext.consul.ConsulClientOptions;
import io.vertx.ext.consul.Service;
import io.vertx.ext.consul.ServiceEntry;
import io.vertx.ext.consul.ServiceEntryList;
import io.vertx.ext.consul.ServiceOptions;
import io.vertx.ext.consul.ServiceQueryOptions;
import io.vertx.ext.consul.Watch;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fixture and the in-repo Consul, exercised with the client pushring uses (vertx-consul-client).
 * Scenarios that any Consul must pass go through {@link ConsulFixture#start()}; fault injection uses
 * the in-repo server directly. Timings are printed.
 */
class ConsulTestServerTest {
  private static Vertx vertx;
  private static ConsulFixture consul;
  private static ConsulClient client;

  @BeforeAll
  static void startAll() {
    vertx = Vertx.vertx();
    consul = ConsulFixture.start();
    System.out.println("fixture kind=" + consul.kind() + " at " + consul.hostPort());
    client = clientFor(consul.host(), consul.port(), null);
  }

  @AfterAll
  static void stopAll() {
    client.close();
    consul.close();
    await(vertx.close());
  }

  @AfterEach
  void clean() {
    consul.clean();
  }

  // ---- any Consul ----

  @Test
  void registersAndDeregistersThroughTheVertxClient() {
    String name = unique("pgw");
    await(client.registerService(new ServiceOptions().setId(name + "-1").setName(name).setAddress("10.0.0.1")
        .setPort(9091).setTags(List.of("shard", "blue")).setMeta(Map.of("zone", "a"))));

    ServiceEntryList list = await(client.healthServiceNodes(name, true));
    assertThat(list.getIndex()).isPositive();
    assertThat(list.getList()).hasSize(1);
    ServiceEntry entry = list.getList().get(0);
    assertThat(entry.getService().getId()).isEqualTo(name + "-1");
    assertThat(entry.getService().getName()).isEqualTo(name);
    assertThat(entry.getService().getAddress()).isEqualTo("10.0.0.1");
    assertThat(entry.getService().getPort()).isEqualTo(9091);
    assertThat(entry.getService().getTags()).containsExactly("shard", "blue");
    assertThat(entry.getService().getMeta()).containsEntry("zone", "a");
    assertThat(entry.getNode().getAddress()).isNotEmpty();
    assertThat(entry.getNode().getDatacenter()).isEqualTo("dc1");
    assertThat(entry.getChecks()).extracting(c -> c.getId()).contains("serfHealth");
    assertThat(entry.aggregatedStatus()).isEqualTo(CheckStatus.PASSING);

    List<Service> catalog = await(client.catalogServices()).getList();
    assertThat(catalog).filteredOn(s -> s.getName().equals(name)).singleElement()
        .satisfies(s -> assertThat(s.getTags()).containsExactlyInAnyOrder("shard", "blue"));
    assertThat(await(client.catalogServiceNodes(name)).getList()).extracting(Service::getId)
        .containsExactly(name + "-1");

    await(client.deregisterService(name + "-1"));
    assertThat(await(client.healthServiceNodes(name, false)).getList()).isEmpty();
    assertThatThrownBy(() -> await(client.deregisterService(name + "-1")))
        .hasMessageContaining("Unknown service ID");
  }

  @Test
  void reRegisteringTheSameIdReplacesTheInstance() {
    String name = unique("pgw");
    ServiceOptions first = new ServiceOptions().setId(name + "-1").setName(name).setAddress("10.0.0.1").setPort(1);
    await(client.registerService(first));
    long before = await(client.healthServiceNodes(name, false)).getIndex();
    await(client.registerService(first));
    ServiceEntryList same = await(client.healthServiceNodes(name, false));
    await(client.registerService(first.setPort(2)));
    ServiceEntryList moved = await(client.healthServiceNodes(name, false));

    assertThat(same.getList()).hasSize(1);
    assertThat(moved.getList()).singleElement().satisfies(e -> assertThat(e.getService().getPort()).isEqualTo(2));
    assertThat(moved.getIndex()).isGreaterThan(before);
    if (consul.kind().equals(ConsulFixture.IN_REPO)) {
      assertThat(same.getIndex()).as("identical re-registration is not a write").isEqualTo(before);
    }
  }

  @Test
  void rejectsBadRegistrationsLikeConsul() {
    String name = unique("bad");
    assertThatThrownBy(() -> await(client.registerService(new ServiceOptions().setName(name)
        .setCheckOptions(new CheckOptions().setHttp("http://127.0.0.1:1/")))))
        .hasMessageContaining("Interval must be > 0");
    assertThatThrownBy(() -> await(client.registerService(new ServiceOptions().setId(name))))
        .hasMessageContaining("Missing service name");
    assertThat(consul.allServiceIds(name)).isEmpty();
  }

  @Test
  void passingFiltersOutWarningAndCriticalInstances() {
    String name = unique("pgw");
    await(client.registerService(new ServiceOptions().setId(name + "-ok").setName(name).setPort(1)));
    await(client.registerService(new ServiceOptions().setId(name + "-warn").setName(name).setPort(2)
        .setCheckOptions(new CheckOptions().setId(name + "-ttl").setTtl("10m").setStatus(CheckStatus.WARNING))));
    await(client.registerService(new ServiceOptions().setId(name + "-crit").setName(name).setPort(3)
        .setCheckOptions(new CheckOptions().setTtl("10m"))));   // no Status: starts critical

    assertThat(consul.allServiceIds(name)).containsExactly(name + "-crit", name + "-ok", name + "-warn");
    assertThat(consul.passingServiceIds(name)).containsExactly(name + "-ok");
    ServiceEntryList all = await(client.healthServiceNodes(name, false));
    assertThat(all.getList().stream().collect(Collectors.toMap(e -> e.getService().getId(),
        ServiceEntry::aggregatedStatus))).containsEntry(name + "-crit", CheckStatus.CRITICAL)
        .containsEntry(name + "-warn", CheckStatus.WARNING);

    await(client.passCheck(name + "-ttl"));
    assertThat(consul.passingServiceIds(name)).containsExactly(name + "-ok", name + "-warn");
  }

  @Test
  void indexIsNeverZero() {
    String name = unique("nothing");
    assertThat(await(client.healthServiceNodes(name, true)).getIndex()).isGreaterThanOrEqualTo(1);
    await(client.registerService(new ServiceOptions().setId(name).setName(name)));
    await(client.deregisterService(name));
    assertThat(await(client.healthServiceNodes(name, true)).getIndex()).isGreaterThanOrEqualTo(1);
    assertThat(await(client.catalogServices()).getIndex()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void catalogServicesBlocksUntilAServiceAppears() throws Exception {
    long index = await(client.catalogServices()).getIndex();
    Future<io.vertx.ext.consul.ServiceList> blocked =
        client.catalogServicesWithOptions(new BlockingQueryOptions().setIndex(index).setWait("30s"));
    Thread.sleep(200);
    assertThat(blocked.isComplete()).isFalse();
    String name = unique("new");
    long start = System.nanoTime();
    consul.registerService(name, name, "127.0.0.1", 1);
    io.vertx.ext.consul.ServiceList after = await(blocked);
    System.out.printf("catalog/services blocked query released %d ms after a registration%n", elapsedMs(start));
    assertThat(after.getIndex()).isGreaterThan(index);
    assertThat(after.getList()).extracting(Service::getName).contains(name);
  }

  @Test
  void blockingQueryTimesOutAtWaitWithTheSameIndex() {
    String name = unique("quiet");
    long index = await(client.healthServiceNodes(name, true)).getIndex();
    long start = System.nanoTime();
    ServiceEntryList after = await(client.healthServiceNodesWithOptions(name, true, blockingOn(index, "1s")));
    long ms = elapsedMs(start);
    System.out.printf("blocking query, no change, wait=1s: returned after %d ms (Consul allows up to 1062 ms)%n", ms);
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
      Thread.sleep(200);
      assertThat(blocked.isComplete()).as("still blocked while nothing changes").isFalse();
      long start = System.nanoTime();
      target.status(500);
      ServiceEntryList after = await(blocked);
      long ms = elapsedMs(start);
      System.out.printf("check flip 200->500 seen by a blocked query after %d ms (interval 1s)%n", ms);
      assertThat(after.getIndex()).isGreaterThan(index);
      assertThat(after.getList()).isEmpty();
      assertThat(ms).isLessThan(1000 + 1500); // one interval, plus slack

      ServiceEntryList critical = await(client.healthServiceNodes(name, false));
      assertThat(critical.getList().get(0).getChecks()).filteredOn(c -> c.getServiceId().equals(name + "-1"))
          .singleElement().satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo(CheckStatus.CRITICAL);
            assertThat(c.getOutput()).startsWith("HTTP GET " + target.url() + ": 500");
          });
    }
  }

  @Test
  void httpCheckFollowsATargetThatGoesDownAndComesBack() {
    String name = unique("pgw");
    try (CheckTarget target = CheckTarget.start(vertx)) {
      consul.registerService(name + "-1", name, "127.0.0.1", target.port(), target.url(), "1s", null);
      long start = System.nanoTime();
      consul.awaitPassingServiceIds(name, List.of(name + "-1"), Duration.ofSeconds(5));
      System.out.printf("new HTTP check passing after %d ms (first run staggered in [0, 1s))%n", elapsedMs(start));

      target.down();
      start = System.nanoTime();
      consul.awaitPassingServiceIds(name, List.of(), Duration.ofSeconds(1 + 2 + 1));
      System.out.printf("target down -> not passing after %d ms (interval 1s + timeout 2s allowed)%n", elapsedMs(start));
      assertThat(await(client.healthServiceNodes(name, false)).getList().get(0).getChecks())
          .filteredOn(c -> c.getServiceId().equals(name + "-1")).singleElement()
          .satisfies(c -> assertThat(c.getOutput()).contains("connection refused"));

      target.up();
      start = System.nanoTime();
      consul.awaitPassingServiceIds(name, List.of(name + "-1"), Duration.ofSeconds(1 + 2 + 1));
      System.out.printf("target up -> passing after %d ms%n", elapsedMs(start));
    }
  }

  @Test
  void checksTheRealPushgateway() throws Exception {
    Path binary = Path.of("/usr/bin/prometheus-pushgateway");
    assumeTrue(Files.isExecutable(binary), "no Pushgateway binary at " + binary);
    int port = ConsulBinary.freePort();
    Process pgw = new ProcessBuilder(binary.toString(), "--persistence.file=",
        "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String name = unique("pushgateway");
    try {
      consul.registerService(name + "-1", name, "127.0.0.1", port, "http://127.0.0.1:" + port + "/-/healthy", "1s", null);
      long start = System.nanoTime();
      consul.awaitPassingServiceIds(name, List.of(name + "-1"), Duration.ofSeconds(10));
      System.out.printf("real Pushgateway passing after %d ms%n", elapsedMs(start));
      pgw.toHandle().destroy();
      pgw.waitFor(10, TimeUnit.SECONDS);
      start = System.nanoTime();
      consul.awaitPassingServiceIds(name, List.of(), Duration.ofSeconds(4));
      System.out.printf("Pushgateway killed -> not passing after %d ms%n", elapsedMs(start));
    } finally {
      pgw.toHandle().destroyForcibly();
    }
  }

  @Test
  void anOutageDropsBlockedQueriesAndRestartKeepsState() throws Exception {
    assumeTrue(consul.canRestart(), consul.restartUnsupportedReason());
    String name = unique("pgw");
    consul.registerService(name + "-1", name, "127.0.0.1", 1);
    long index = await(client.healthServiceNodes(name, true)).getIndex();
    Future<ServiceEntryList> blocked = client.healthServiceNodesWithOptions(name, true, blockingOn(index, "30s"));
    Thread.sleep(200);

    consul.stop();
    assertThatThrownBy(() -> await(blocked)).as("the blocked query sees the connection go").isNotNull();
    assertThatThrownBy(() -> await(client.healthServiceNodes(name, true)))
        .hasMessageContaining("Connection refused");
    consul.restart();

    List<String> after = consul.passingServiceIds(name);
    if (consul.keepsStateAcrossRestart()) {
      assertThat(after).containsExactly(name + "-1");
    } else {
      assertThat(after).as("dev mode forgets everything").isEmpty();
    }
  }

  // ---- in-repo only: timing accelerations, ACL, faults ----

  @Test
  void deregisterCriticalServiceAfterRemovesADeadService() {
    ConsulTestServer.Options fast = ConsulTestServer.Options.defaults().withMinDeregisterAfter(Duration.ofMillis(500));
    try (ConsulFixture local = ConsulFixture.inRepo(fast); CheckTarget target = CheckTarget.start(vertx)) {
      String name = unique("pgw");
      local.registerService(name + "-1", name, "127.0.0.1", target.port(), target.url(), "1s", "1s");
      local.awaitPassingServiceIds(name, List.of(name + "-1"), Duration.ofSeconds(5));
      target.down();
      long start = System.nanoTime();
      awaitUntil(() -> local.allServiceIds(name).isEmpty(), Duration.ofSeconds(10));
      long ms = elapsedMs(start);
      System.out.printf("dead service deregistered %d ms after its target went down "
          + "(<= interval 1s + timeout 2s + deregister-after 1s + reap period 1s)%n", ms);
      assertThat(ms).isLessThan(1000 + 2000 + 1000 + 1000 + 500);
    }
  }

  @Test
  void deregisterAfterKeepsConsulsOneMinuteFloorByDefault() throws Exception {
    try (ConsulFixture local = ConsulFixture.inRepo(ConsulTestServer.Options.defaults())) {
      String name = unique("pgw");
      local.registerService(new JsonObject().put("ID", name).put("Name", name)
          .put("Check", new JsonObject().put("TTL", "10m").put("DeregisterCriticalServiceAfter", "1s")));
      Thread.sleep(2500);
      assertThat(local.allServiceIds(name)).as("1s is raised to Consul's 1m minimum").containsExactly(name);
    }
  }

  @Test
  void aRequiredTokenBehavesLikeConsulDefaultDeny() {
    try (ConsulTestServer server = ConsulTestServer.start()) {
      server.requireToken("s3cret");
      ConsulClient anonymous = clientFor(server.host(), server.port(), null);
      ConsulClient wrong = clientFor(server.host(), server.port(), "nope");
      ConsulClient right = clientFor(server.host(), server.port(), "s3cret");
      ServiceOptions svc = new ServiceOptions().setId("pgw-1").setName("pgw").setPort(1);

      assertThatThrownBy(() -> await(anonymous.registerService(svc)))
          .hasMessageContaining("Permission denied: anonymous token lacks permission 'service:write' on \"pgw\"");
      assertThatThrownBy(() -> await(wrong.registerService(svc))).hasMessageContaining("ACL not found");
      await(right.registerService(svc));
      assertThat(await(right.healthServiceNodes("pgw", true)).getList()).hasSize(1);
      assertThat(await(anonymous.healthServiceNodes("pgw", true)).getList())
          .as("reads by the anonymous token are filtered, not refused").isEmpty();
      assertThatThrownBy(() -> await(anonymous.agentInfo())).hasMessageContaining("agent:read");
      List.of(anonymous, wrong, right).forEach(ConsulClient::close);
    }
  }

  @Test
  void resetIndexIsSeenByTheClientAndReleasesBlockedQueries() throws Exception {
    try (ConsulTestServer server = ConsulTestServer.start()) {
      ConsulClient c = clientFor(server.host(), server.port(), null);
      for (int i = 0; i < 5; i++) {
        await(c.registerService(new ServiceOptions().setId("pgw-" + i).setName("pgw").setPort(i)));
      }
      long high = await(c.healthServiceNodes("pgw", true)).getIndex();
      assertThat(high).isGreaterThan(1);
      Future<ServiceEntryList> blocked = c.healthServiceNodesWithOptions("pgw", true, blockingOn(high, "30s"));
      Thread.sleep(200);

      long start = System.nanoTime();
      server.faults().resetIndex();
      ServiceEntryList released = await(blocked);
      System.out.printf("index reset %d -> %d released a blocked query after %d ms%n", high, released.getIndex(),
          elapsedMs(start));
      assertThat(released.getIndex()).isEqualTo(1);
      assertThat(released.getList()).hasSize(5);

      // a client that keeps the old index now waits the full wait: why clients must reset to 0
      start = System.nanoTime();
      ServiceEntryList stale = await(c.healthServiceNodesWithOptions("pgw", true, blockingOn(high, "1s")));
      assertThat(elapsedMs(start)).isGreaterThanOrEqualTo(990);
      assertThat(stale.getIndex()).isEqualTo(1);
      await(c.registerService(new ServiceOptions().setId("pgw-9").setName("pgw")));
      assertThat(await(c.healthServiceNodes("pgw", true)).getIndex()).isEqualTo(2);
      c.close();
    }
  }

  @Test
  void stallHoldsEveryResponse() {
    try (ConsulTestServer server = ConsulTestServer.start()) {
      ConsulClient c = clientFor(server.host(), server.port(), null);
      server.faults().stall(Duration.ofMillis(700));
      long start = System.nanoTime();
      await(c.healthServiceNodes("pgw", true));
      long stalled = elapsedMs(start);
      start = System.nanoTime();
      await(c.registerService(new ServiceOptions().setId("pgw-1").setName("pgw")));
      long stalledWrite = elapsedMs(start);
      server.faults().clearFaults();
      start = System.nanoTime();
      await(c.healthServiceNodes("pgw", true));
      long normal = elapsedMs(start);
      System.out.printf("stall(700ms): read %d ms, write %d ms; cleared: %d ms%n", stalled, stalledWrite, normal);
      assertThat(stalled).isGreaterThanOrEqualTo(700);
      assertThat(stalledWrite).isGreaterThanOrEqualTo(700);
      assertThat(server.serviceIds()).containsExactly("pgw-1");
      assertThat(normal).isLessThan(300);
      ConsulClient impatient = clientFor(server.host(), server.port(), null, 300);
      server.faults().stall(Duration.ofSeconds(2));
      assertThatThrownBy(() -> await(impatient.healthServiceNodes("pgw", true)))
          .hasMessageContaining("timeout");
      c.close();
      impatient.close();
    }
  }

  @Test
  void cutConnectionsBreaksTheNextRequestsMidBody() {
    try (ConsulTestServer server = ConsulTestServer.start()) {
      ConsulClient c = clientFor(server.host(), server.port(), null);
      server.faults().cutConnections(2, "/v1/health/");
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> await(c.healthServiceNodes("pgw", true)))
            .satisfies(e -> System.out.println("cut connection seen by the client as: " + e));
      }
      assertThat(await(c.healthServiceNodes("pgw", true)).getIndex()).isPositive();
      assertThat(server.faults().requestCount("/v1/health/service/pgw")).isEqualTo(3);
      c.close();
    }
  }

  @Test
  void failWithAnswersConsulStyleErrorsThenRecovers() {
    try (ConsulTestServer server = ConsulTestServer.start()) {
      ConsulClient c = clientFor(server.host(), server.port(), null);
      server.faults().failWith(500, 2);
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> await(c.healthServiceNodes("pgw", true)))
            .hasMessageContaining("Internal Server Error").hasMessageContaining(ConsulFaults.RPC_ERROR);
      }
      assertThat(await(c.healthServiceNodes("pgw", true)).getList()).isEmpty();
      c.close();
    }
  }

  @Test
  void requestCountShowsWhetherAClientSpins() throws Exception {
    try (ConsulTestServer server = ConsulTestServer.start()) {
      server.faults().failWith(500, Integer.MAX_VALUE, "/v1/health/");
      Watch<ServiceEntryList> watch = Watch.service("pgw", vertx,
          new ConsulClientOptions().setHost(server.host()).setPort(server.port()));
      watch.setHandler(r -> { }).start();
      Thread.sleep(3000);
      watch.stop();
      long count = server.faults().requestCount("/v1/health/service/pgw");
      System.out.printf("vertx Watch against a failing Consul: %d requests in 3 s (backoff 1 s, 4 s, ...)%n", count);
      assertThat(count).isBetween(1L, 3L);
    }
  }

  @Test
  void speaksWhatPrometheusConsulSdReads() {
    try (ConsulTestServer server = ConsulTestServer.start()) {
      WebClient web = WebClient.create(vertx);
      ConsulClient c = client(server);
      await(c.registerService(new ServiceOptions().setId("pgw-1").setName("pgw").setTags(List.of("x"))));
      HttpResponse<Buffer> self = await(web.get(server.port(), server.host(), "/v1/agent/self").send());
      assertThat(self.bodyAsJsonObject().getJsonObject("Config").getString("Datacenter")).isEqualTo("dc1");

      HttpResponse<Buffer> services = await(web.get(server.port(), server.host(), "/v1/catalog/services?stale=&wait=1s&index=1").send());
      assertThat(services.getHeader("X-Consul-Index")).isNotNull();
      assertThat(services.getHeader("X-Consul-LastContact")).isEqualTo("0");
      assertThat(services.getHeader("X-Consul-KnownLeader")).isEqualTo("true");
      assertThat(services.bodyAsJsonObject().getMap()).containsKeys("consul", "pgw");

      HttpResponse<Buffer> health = await(web.get(server.port(), server.host(), "/v1/health/service/pgw?tag=x&stale=").send());
      JsonObject entry = health.bodyAsJsonArray().getJsonObject(0);
      assertThat(entry.getJsonObject("Node").fieldNames()).contains("ID", "Node", "Address", "Datacenter",
          "TaggedAddresses", "Meta");
      assertThat(entry.getJsonObject("Service").fieldNames()).contains("ID", "Service", "Tags", "Address",
          "Meta", "Port", "Weights");
      assertThat(await(web.get(server.port(), server.host(), "/v1/health/service/pgw?tag=y").send())
          .bodyAsJsonArray()).isEmpty();
      assertThat(await(web.get(server.port(), server.host(), "/v1/health/service/pgw?dc=dc9").send()).statusCode())
          .isEqualTo(500);
      assertThat(await(web.get(server.port(), server.host(), "/v1/health/service/pgw?index=1&wait=soon").send())
          .bodyAsString()).isEqualTo("Invalid wait time");
      assertThat(await(web.get(server.port(), server.host(), "/v1/status/leader").send()).bodyAsString())
          .isEqualTo("\"127.0.0.1:8300\"");
      web.close();
      c.close();
    }
  }

  // ---- helpers ----

  private static ConsulClient client(ConsulTestServer server) {
    return clientFor(server.host(), server.port(), null);
  }

  private static ConsulClient clientFor(String host, int port, String token) {
    return clientFor(host, port, token, 0);
  }

  private static ConsulClient clientFor(String host, int port, String token, long timeoutMs) {
    ConsulClientOptions options = new ConsulClientOptions().setHost(host).setPort(port).setTimeout(timeoutMs);
    if (token != null) {
      options.setAclToken(token);
    }
    return ConsulClient.create(vertx, options);
  }

  private static ServiceQueryOptions blockingOn(long index, String wait) {
    return new ServiceQueryOptions().setBlockingOptions(new BlockingQueryOptions().setIndex(index).setWait(wait));
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static long elapsedMs(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  private static void awaitUntil(java.util.function.BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
