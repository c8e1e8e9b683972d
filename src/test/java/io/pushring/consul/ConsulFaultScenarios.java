package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.config.PushringConfig;
import io.pushring.discovery.ConsulDiscoveryVerticle;
import io.pushring.consul.ConsulSettings;
import io.pushring.bus.DiscoveryStatus;
import io.pushring.bus.RingPublisher;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.pushring.testing.consul.TcpFaults;
import io.pushring.testing.Await;
import io.pushring.testing.consul.ConsulFixture;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 3: the discovery loop under Consul's failure modes that TCP alone can cause (stalled answers,
 * cut connections). For each: no tight loop (health queries counted by the fault injector stay under
 * a bound derived from the HTTP timeout, the token bucket or the backoff) and no lost update (a
 * Pushgateway registered during or right after the fault reaches the ring). {@link ConsulFaultsTest}
 * runs them on the in-repo server (plus the faults only it can make), {@link ConsulTcpFaultsTest}
 * on a real agent through {@link io.pushring.testing.consul.TcpFaultProxy}.
 *
 * <p>Members are registered directly (no check: passing at once, so the timing is the loop's, not a
 * check's), pointing at real Pushgateways; the registrar is off. {@code consul.wait} is 1 s, the
 * shortest the configuration allows, which makes the stall test as short as the HTTP timeout permits.
 */
abstract class ConsulFaultScenarios {
  /** The extension that holds Consul and the fleet (a static field of the subclass). */
  abstract ConsulFleet env();

  /** Where the faults are injected. */
  abstract TcpFaults tcpFaults();

  /** The Consul address pushring is given (the proxy's, when faults go through one). */
  abstract String consulAddress();

  ConsulFixture consul;
  Fleet fleet;
  Vertx vertx;
  String service;
  PushringConfig config;

  @BeforeEach
  void start() {
    consul = env().consul();
    fleet = env().fleet();
  }

  @AfterEach
  void clearFaults() {
    if (tcpFaults() != null) tcpFaults().clearFaults(); // null when the subclass skipped before its set-up
  }

  /** Two members registered, pushring deployed, its ring holds them, its loop is blocking. */
  void startWithTwoMembers(String name) {
    service = env().service();
    register(0);
    register(1);
    ConsulFleet.Pushring pushring = env().deploy(List.of(), "PUSHRING_CONSUL_WAIT", "1s",
        "PUSHRING_CONSUL_ADDRESS", consulAddress());
    vertx = pushring.vertx();
    config = pushring.config();
    awaitRing(Set.of(fleet.id(0), fleet.id(1)), Duration.ofSeconds(5));
    Await.sleep(1_500); // settle into blocking queries
  }

  @Test
  void stalledResponsesTimeOutAndTheLoopRecovers() {
    startWithTwoMembers("stall");
    long httpTimeout = ConsulSettings.from(config).httpTimeoutMillis();
    long before = requests();
    long t0 = System.nanoTime();
    tcpFaults().stall(Duration.ofMillis(httpTimeout + 2_000)); // longer than the loop's HTTP timeout
    long stale = Await.until("a stalled query to time out", Duration.ofMillis(httpTimeout + 4_000),
        () -> DiscoveryStatus.current(vertx).stale());
    tcpFaults().clearFaults();
    long stalledCount = requests() - before;
    long recoveryStart = System.nanoTime();
    register(2);
    long picked = awaitRing(Set.copyOf(fleet.ids()), Duration.ofSeconds(10));
    long count = requests() - before;
    long stalledBound = (stale + httpTimeout - 1) / httpTimeout + 1;
    long recoveryBound = Bounds.bucketAllowsWithin(Await.millisSince(recoveryStart));
    System.out.printf("[faults] stall > HTTP timeout (%d ms): stale after %d ms (%d queries, bound %d);"
            + " after clearing, change seen in %d ms; %d queries in all (bound %d)%n",
        httpTimeout, stale, stalledCount, stalledBound, picked, count, stalledBound + recoveryBound);
    assertThat(stale).as("a stalled query is abandoned after the HTTP timeout")
        .isGreaterThanOrEqualTo(httpTimeout - 1_100);
    // No lower bound: a proxy holds the answer of the query already in flight when the stall began,
    // so the stale state above can come from a query sent before the count started.
    assertThat(stalledCount).as("queries while stalled").isLessThanOrEqualTo(stalledBound);
    assertThat(count).isLessThanOrEqualTo(stalledBound + recoveryBound);
  }

  @Test
  void cutConnectionsAreRetriedWithBackoffNotInATightLoop() {
    startWithTwoMembers("cut");
    failingWindow("cut connections", () -> tcpFaults().cutConnections(100_000, healthPath()));
  }

  /**
   * Every health query fails for a window; a member is registered meanwhile. Counts queries from the
   * first failure to the end of the window against the backoff's bound, then clears the fault and
   * waits for the change to reach the ring.
   */
  void failingWindow(String fault, Runnable inject) {
    long window = 3_000;
    long before = requests();
    inject.run();
    long firstFailure = Await.until(fault + ": a failed query", Duration.ofSeconds(5),
        () -> DiscoveryStatus.current(vertx).stale());
    long failedAt = System.nanoTime();
    register(2); // the change made during the fault
    Await.sleep(window - Await.millisSince(failedAt));
    long count = requests() - before;
    DiscoveryStatus status = DiscoveryStatus.current(vertx);
    tcpFaults().clearFaults();
    long cleared = System.nanoTime();
    awaitRing(Set.copyOf(fleet.ids()), Duration.ofMillis(ConsulDiscoveryVerticle.BACKOFF.capMillis() + 5_000));
    int bound = Bounds.failingAttemptsWithin(window + 100);
    System.out.printf("[faults] %s: first failure %d ms after the fault; %d health queries in the %d ms window"
            + " (backoff bound %d, a tight loop would send thousands); status %s, %d failures, \"%s\";"
            + " change seen %d ms after clearing%n",
        fault, firstFailure, count, window, bound, status.state(), status.consecutiveFailures(), status.lastError(),
        Await.millisSince(cleared));
    assertThat(status.stale()).isTrue();
    assertThat(count).as("%s: health queries in %d ms", fault, window).isBetween(2L, (long) bound);
  }

  String healthPath() {
    return "/v1/health/service/" + service;
  }

  long requests() {
    return tcpFaults().requestCount(healthPath());
  }

  void register(int i) {
    consul.registerService(fleet.id(i), service, fleet.get(i).host(), fleet.get(i).port());
  }

  long awaitRing(Set<String> expected, Duration timeout) {
    return Await.until(() -> "ring " + ids(RingPublisher.current(vertx)) + " to be " + new TreeSet<>(expected),
        timeout, () -> ids(RingPublisher.current(vertx)).equals(expected));
  }

  private static Set<String> ids(Ring ring) {
    Set<String> ids = new TreeSet<>();
    if (ring != null) for (Member m : ring.members()) ids.add(m.id());
    return ids;
  }
}
