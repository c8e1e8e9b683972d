package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pushring.PushringApp;
import io.pushring.config.PushringConfig;
import io.pushring.discovery.ConsulDiscoveryVerticle;
import io.pushring.consul.ConsulSettings;
import io.pushring.bus.DiscoveryStatus;
import io.pushring.bus.RingPublisher;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.pushring.testing.consul.ConsulFaults;
import io.pushring.testing.Await;
import io.pushring.testing.consul.ConsulFixture;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 3: the discovery loop under Consul's failure modes (index reset, stalled responses, cut
 * connections, 500s). For each: no tight loop (requests to {@code /v1/health/service/<service>}
 * counted by the fixture stay under a bound derived from the token bucket or the backoff) and no lost
 * update (a Pushgateway registered during or right after the fault reaches the ring). Needs fault
 * injection, so only the in-repo Consul test server runs it; other fixtures skip with a message.
 *
 * <p>Members are registered directly (no check: passing at once, so the timing is the loop's, not a
 * check's), pointing at real Pushgateways; the registrar is off. {@code consul.wait} is 1 s, the
 * shortest the configuration allows, which makes the stall test as short as the HTTP timeout permits.
 */
class ConsulFaultsTest {
  private static ConsulFixture consul;
  private static ConsulFaults faults;
  private static Fleet fleet;

  private Vertx vertx;
  private String service;
  private PushringConfig config;

  @BeforeAll
  static void startConsulAndFleet() {
    consul = ConsulFixture.start();
    faults = consul.faults().orElse(null);
    if (faults != null) fleet = Fleet.start(3);
  }

  @AfterAll
  static void stopConsulAndFleet() {
    if (fleet != null) fleet.close();
    if (consul != null) consul.close();
  }

  @AfterEach
  void stopPushring() {
    if (faults != null) faults.clearFaults();
    if (vertx != null) vertx.close().await();
  }

  /** Two members registered, pushring deployed, its ring holds them, its loop is blocking. */
  private void startWithTwoMembers(String name) {
    assumeTrue(faults != null, "fault injection needs the in-repo Consul test server; the fixture chain picked '"
        + consul.kind() + "' (unset " + ConsulFixture.ENV + " and remove consul from PATH to run it)");
    service = ConsulModeConfig.uniqueService("pgw-" + name);
    register(0);
    register(1);
    config = ConsulModeConfig.of(consul, service, List.of(), "PUSHRING_CONSUL_WAIT", "1s");
    vertx = Vertx.vertx();
    PushringApp.deploy(vertx, config).await();
    awaitRing(Set.of(fleet.id(0), fleet.id(1)), Duration.ofSeconds(5));
    Await.sleep(1_500); // settle into blocking queries
  }

  @Test
  void indexResetIsFollowedWithoutLosingTheChangeThatComesWithIt() {
    startWithTwoMembers("reset");
    long indexBefore = DiscoveryStatus.current(vertx).consulIndex();
    long before = requests();
    long t0 = System.nanoTime();
    faults.resetIndex();
    register(2); // the change made right after the reset: index 2 on the server, far below what the loop had
    long picked = awaitRing(Set.copyOf(fleet.ids()), Duration.ofSeconds(5));
    long window = 3_000;
    Await.sleep(window - Await.millisSince(t0));
    long count = requests() - before;
    long indexAfter = DiscoveryStatus.current(vertx).consulIndex();
    System.out.printf("[faults] index reset (%d -> 1): change seen after %d ms; index now %d;"
        + " %d health queries in %d ms (token-bucket bound %d)%n",
        indexBefore, picked, indexAfter, count, window, Bounds.bucketAllowsWithin(window));
    assertThat(indexAfter).as("the loop follows the reset index").isLessThan(indexBefore);
    assertThat(count).as("queries in %d ms after the reset", window)
        .isBetween(1L, (long) Bounds.bucketAllowsWithin(window));
  }

  @Test
  void stalledResponsesTimeOutAndTheLoopRecovers() {
    startWithTwoMembers("stall");
    long httpTimeout = ConsulSettings.from(config).httpTimeoutMillis();
    long before = requests();
    long t0 = System.nanoTime();
    faults.stall(Duration.ofMillis(httpTimeout + 2_000)); // longer than the loop's HTTP timeout
    long stale = Await.until("a stalled query to time out", Duration.ofMillis(httpTimeout + 4_000),
        () -> DiscoveryStatus.current(vertx).stale());
    faults.clearFaults();
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
    assertThat(stalledCount).isBetween(1L, stalledBound);
    assertThat(count).isLessThanOrEqualTo(stalledBound + recoveryBound);
  }

  @Test
  void cutConnectionsAreRetriedWithBackoffNotInATightLoop() {
    startWithTwoMembers("cut");
    failingWindow("cut connections", () -> faults.cutConnections(100_000, healthPath()));
  }

  @Test
  void serverErrorsAreRetriedWithBackoffNotInATightLoop() {
    startWithTwoMembers("500");
    failingWindow("HTTP 500", () -> faults.failWith(500, 100_000, healthPath()));
  }

  /**
   * Every health query fails for a window; a member is registered meanwhile. Counts queries from the
   * first failure to the end of the window against the backoff's bound, then clears the fault and
   * waits for the change to reach the ring.
   */
  private void failingWindow(String fault, Runnable inject) {
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
    faults.clearFaults();
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

  private String healthPath() {
    return "/v1/health/service/" + service;
  }

  private long requests() {
    return faults.requestCount(healthPath());
  }

  private void register(int i) {
    consul.registerService(fleet.id(i), service, fleet.get(i).host(), fleet.get(i).port());
  }

  private long awaitRing(Set<String> expected, Duration timeout) {
    return Await.until(() -> "ring " + ids(RingPublisher.current(vertx)) + " to be " + new TreeSet<>(expected),
        timeout, () -> ids(RingPublisher.current(vertx)).equals(expected));
  }

  private static Set<String> ids(Ring ring) {
    Set<String> ids = new TreeSet<>();
    if (ring != null) for (Member m : ring.members()) ids.add(m.id());
    return ids;
  }
}
