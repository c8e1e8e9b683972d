package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.bus.DiscoveryStatus;
import io.pushring.bus.RingPublisher;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.consul.ConsulFixture;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 3: what pushring does when Consul reports no passing Pushgateway at all
 * ({@code discovery.on-empty}): {@code keep-last} (the default, as dynamic-sharding does) goes on
 * routing to the last ring and stays ready; {@code empty} answers 503 with Retry-After and is not
 * ready. Either way the ring follows again once a Pushgateway passes.
 */
class EmptyPassingSetTest {
  private static ConsulFixture consul;
  private static Fleet fleet;
  private Vertx vertx;

  @BeforeAll
  static void start() {
    consul = ConsulFixture.start();
    fleet = Fleet.start(2);
  }

  @AfterAll
  static void stop() {
    if (fleet != null) fleet.close();
    if (consul != null) consul.close();
  }

  @AfterEach
  void stopPushring() {
    if (vertx != null) vertx.close().await();
  }

  @Test
  void keepLastRoutesToTheLastRingWhenNothingPasses() {
    String service = ConsulModeConfig.uniqueService("pgw-keep");
    int port = deployWithBoth(service, "keep-last");
    deregisterBoth();
    // The loop has seen the empty set once it waits on an index past the deregistrations.
    long emptyIndex = consul.healthIndex(service);
    Await.until("the loop to see the empty set", Duration.ofSeconds(5),
        () -> DiscoveryStatus.current(vertx).consulIndex() >= emptyIndex);
    Ring kept = RingPublisher.current(vertx); // the last non-empty set (the deregistrations may show one by one)
    assertThat(kept.isEmpty()).as("ring kept: " + kept).isFalse();
    try (SocketHttp http = new SocketHttp(port)) {
      SocketHttp.Response push = http.send("PUT", "/metrics/job/empty-set", "m 1\n");
      assertThat(push.status()).isEqualTo(307);
      assertThat(kept.members()).as("Location " + push.header("Location") + " is a member of the kept ring")
          .anyMatch(m -> push.header("Location").startsWith("http://" + m.address() + "/"));
      assertThat(http.get("/-/ready").status()).isEqualTo(200);
      assertThat(DiscoveryStatus.current(vertx).stale()).as("Consul answers: not stale, only empty").isFalse();
    }
    assertThat(RingPublisher.current(vertx)).isSameAs(kept);
    registerBack(service, 2);
  }

  @Test
  void emptyAnswers503WhenNothingPassesAndRecovers() {
    String service = ConsulModeConfig.uniqueService("pgw-empty");
    int port = deployWithBoth(service, "empty");
    deregisterBoth();
    Await.until("an empty ring", Duration.ofSeconds(5), () -> RingPublisher.current(vertx).isEmpty());
    try (SocketHttp http = new SocketHttp(port)) {
      SocketHttp.Response push = http.send("PUT", "/metrics/job/empty-set", "m 1\n");
      assertThat(push.status()).isEqualTo(503);
      assertThat(push.header("Retry-After")).isNotBlank();
      assertThat(http.get("/-/ready").status()).isEqualTo(503);
      registerBack(service, 1);
      // The LocalMap holds the new ring before the routers have taken the announcement: wait for them.
      Await.until("the router ready again", Duration.ofSeconds(5), () -> http.get("/-/ready").status() == 200);
      assertThat(http.send("PUT", "/metrics/job/empty-set", "m 1\n").header("Location"))
          .isEqualTo(fleet.get(0).baseUrl() + "/metrics/job/empty-set");
    }
  }

  private String service;

  private int deployWithBoth(String name, String onEmpty) {
    service = name;
    for (int i = 0; i < 2; i++) consul.registerService(fleet.id(i), service, fleet.get(i).host(), fleet.get(i).port());
    vertx = Vertx.vertx();
    int port = PushringApp.deploy(vertx, ConsulModeConfig.of(consul, service, List.of(),
        "PUSHRING_DISCOVERY_ON_EMPTY", onEmpty)).await().port();
    Await.until("ring of 2", Duration.ofSeconds(5),
        () -> RingPublisher.current(vertx) != null && RingPublisher.current(vertx).size() == 2);
    return port;
  }

  private void deregisterBoth() {
    for (int i = 0; i < 2; i++) consul.deregisterService(fleet.id(i));
  }

  /** Registers the first {@code n} again and waits for a ring of them. */
  private void registerBack(String service, int n) {
    for (int i = 0; i < n; i++) consul.registerService(fleet.id(i), service, fleet.get(i).host(), fleet.get(i).port());
    Await.until("ring of " + n, Duration.ofSeconds(5), () -> RingPublisher.current(vertx).size() == n);
  }
}
