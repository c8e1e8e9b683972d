package io.pushring.testing.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushring.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.consul.BlockingQueryOptions;
import io.vertx.ext.consul.ConsulClient;
import io.vertx.ext.consul.ConsulClientOptions;
import io.vertx.ext.consul.ServiceEntryList;
import io.vertx.ext.consul.ServiceOptions;
import io.vertx.ext.consul.ServiceQueryOptions;
import io.vertx.ext.consul.Watch;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What only the in-repo {@link ConsulTestServer} can do, for the tests that need it: its test-only
 * timing accelerations and its fault injection ({@link ConsulFaults}), seen through the client
 * pushring uses. What it shares with a real Consul is in {@link ConsulContract}.
 */
class ConsulTestServerFaultsTest {
  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    vertx.close().await();
  }

  @Test
  void deregisterCriticalServiceAfterRemovesADeadService() {
    ConsulTestServer.Options fast = ConsulFixture.inRepoDefaults().withMinDeregisterAfter(Duration.ofMillis(500));
    try (ConsulFixture local = ConsulFixture.inRepo(fast); CheckTarget target = CheckTarget.start(vertx)) {
      String name = ConsulContract.unique("pgw");
      local.registerService(name + "-1", name, "127.0.0.1", target.port(), target.url(), "1s", "1s");
      local.awaitPassingServiceIds(name, List.of(name + "-1"), Duration.ofSeconds(5));
      target.down();
      long start = System.nanoTime();
      Await.until("the dead service to be reaped", Duration.ofSeconds(10), () -> local.allServiceIds(name).isEmpty());
      long ms = elapsedMs(start);
      System.out.printf("dead service deregistered %d ms after its target went down "
          + "(<= interval 1s + timeout 2s + deregister-after 1s + reap period 1s)%n", ms);
      assertThat(ms).isLessThan(1000 + 2000 + 1000 + 1000 + 500);
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
      Await.sleep(200);

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
      Await.sleep(3000);
      watch.stop();
      long count = server.faults().requestCount("/v1/health/service/pgw");
      System.out.printf("vertx Watch against a failing Consul: %d requests in 3 s (backoff 1 s, 4 s, ...)%n", count);
      assertThat(count).isBetween(1L, 3L);
    }
  }

  // ---- helpers ----

  private static ConsulClient clientFor(String host, int port, String token, long timeoutMs) {
    return ConsulClient.create(vertx, new ConsulClientOptions().setHost(host).setPort(port).setTimeout(timeoutMs));
  }

  private static ConsulClient clientFor(String host, int port, String token) {
    return clientFor(host, port, token, 0);
  }

  private static ServiceQueryOptions blockingOn(long index, String wait) {
    return new ServiceQueryOptions().setBlockingOptions(new BlockingQueryOptions().setIndex(index).setWait(wait));
  }

  private static long elapsedMs(long startNanos) {
    return Await.millisSince(startNanos);
  }

  private static <T> T await(Future<T> future) {
    return ConsulContract.await(future);
  }
}
