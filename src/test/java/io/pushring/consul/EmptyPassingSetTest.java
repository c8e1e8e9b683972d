package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.bus.DiscoveryStatus;
import io.pushring.bus.RingPublisher;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.JdkHttp;
import io.pushring.testing.consul.ConsulFixture;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3: what pushring does when Consul reports no passing Pushgateway at all
 * ({@code discovery.on-empty}): {@code keep-last} (the default, as dynamic-sharding does) goes on
 * routing to the last ring and stays ready; {@code empty} answers 503 with Retry-After and is not
 * ready. Either way the ring follows again once a Pushgateway passes.
 */
class EmptyPassingSetTest {
  @RegisterExtension
  static final ConsulFleet env = ConsulFleet.withPushgateways(2);

  private ConsulFixture consul;
  private Fleet fleet;
  private Vertx vertx;

  @BeforeEach
  void start() {
    consul = env.consul();
    fleet = env.fleet();
  }

  @Test
  void keepLastRoutesToTheLastRingWhenNothingPasses() {
    String service = env.service();
    int port = deployWithBoth(service, "keep-last");
    deregisterBoth();
    // The loop has seen the empty set once it waits on an index past the deregistrations.
    long emptyIndex = consul.healthIndex(service);
    Await.until("the loop to see the empty set", Duration.ofSeconds(5),
        () -> DiscoveryStatus.current(vertx).consulIndex() >= emptyIndex);
    Ring kept = RingPublisher.current(vertx); // the last non-empty set (the deregistrations may show one by one)
    assertThat(kept.isEmpty()).as("ring kept: " + kept).isFalse();
    JdkHttp http = new JdkHttp();
    {
      JdkHttp.Response push = http.send("PUT", port, "/metrics/job/empty-set", "m 1\n");
      assertThat(push.status()).isEqualTo(307);
      assertThat(kept.members()).as("Location " + push.header("Location") + " is a member of the kept ring")
          .anyMatch(m -> push.header("Location").startsWith("http://" + m.address() + "/"));
      assertThat(http.get(port, "/-/ready").status()).isEqualTo(200);
      assertThat(DiscoveryStatus.current(vertx).stale()).as("Consul answers: not stale, only empty").isFalse();
    }
    assertThat(RingPublisher.current(vertx)).isSameAs(kept);
    registerBack(service, 2);
  }

  @Test
  void emptyAnswers503WhenNothingPassesAndRecovers() {
    String service = env.service();
    int port = deployWithBoth(service, "empty");
    deregisterBoth();
    Await.until("an empty ring", Duration.ofSeconds(5), () -> RingPublisher.current(vertx).isEmpty());
    JdkHttp http = new JdkHttp();
    {
      JdkHttp.Response push = http.send("PUT", port, "/metrics/job/empty-set", "m 1\n");
      assertThat(push.status()).isEqualTo(503);
      assertThat(push.header("Retry-After")).isNotBlank();
      assertThat(http.get(port, "/-/ready").status()).isEqualTo(503);
      registerBack(service, 1);
      // The LocalMap holds the new ring before the routers have taken the announcement: wait for them.
      Await.until("the router ready again", Duration.ofSeconds(5), () -> http.get(port, "/-/ready").status() == 200);
      assertThat(http.send("PUT", port, "/metrics/job/empty-set", "m 1\n").header("Location"))
          .isEqualTo(fleet.get(0).baseUrl() + "/metrics/job/empty-set");
    }
  }

  private String service;

  private int deployWithBoth(String name, String onEmpty) {
    service = name;
    for (int i = 0; i < 2; i++) consul.registerService(fleet.id(i), service, fleet.get(i).host(), fleet.get(i).port());
    ConsulFleet.Pushring pushring = env.deploy(List.of(), "PUSHRING_DISCOVERY_ON_EMPTY", onEmpty);
    vertx = pushring.vertx();
    int port = pushring.port();
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
