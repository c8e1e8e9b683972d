package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.bus.RingPublisher;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.Await;
import io.pushring.testing.consul.ConsulFixture;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3, failover: three real Pushgateways registered BY THE REGISTRAR with the check
 * (interval 1s, timeout 500ms); one is SIGKILLed, comes back on the same port, and finally comes back
 * after Consul dropped its registration. Runs against whatever {@link ConsulFixture#start()} picks.
 */
class ConsulFailoverTest {
  private static final int KEYS = 2_000;
  private static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
  /** The bound: a killed Pushgateway's keys move within the check interval plus one second. */
  private static final Duration FAILOVER_BOUND = CHECK_INTERVAL.plusSeconds(1);

  @RegisterExtension
  final ConsulFleet env = ConsulFleet.withPushgateways(3);

  private ConsulFixture consul;
  private Fleet fleet;
  private Vertx vertx;
  private final Locations locations = new Locations();
  private String service;
  private int port;

  @BeforeEach
  void start() {
    consul = env.consul();
    fleet = env.fleet();
    service = env.service();
    ConsulFleet.Pushring pushring = env.deployRegisteringFleet();
    vertx = pushring.vertx();
    port = pushring.port();
  }

  @AfterEach
  void stop() {
    locations.close();
  }

  @Test
  void killedPushgatewayLosesItsKeysWithinTheCheckIntervalAndGetsThemBackExactlyWhenItReturns() {
    long joined = awaitRingIds(Set.copyOf(fleet.ids()), Duration.ofSeconds(15));
    System.out.printf("[failover] %s: 3 Pushgateways registered by the registrar and passing: ring of 3 after %d ms%n",
        consul.kind(), joined);
    List<String> paths = Keys.paths("failover", KEYS);
    Map<String, String> before = Keys.owners(ring(), paths);
    assertThat(new TreeSet<>(before.values())).containsExactlyInAnyOrderElementsOf(fleet.ids());
    assertRedirects(paths, before);

    // ---- SIGKILL one Pushgateway
    int victim = 1;
    String victimId = fleet.id(victim);
    long victimKeys = before.values().stream().filter(victimId::equals).count();
    ConsulWatch watch = ConsulWatch.start(consul, service, victimId);
    long killedAt = System.nanoTime();
    fleet.kill(victim);
    long failover = Await.until("ring without " + victimId, Duration.ofSeconds(10),
        () -> !ids(ring()).contains(victimId));
    long consulSaw = watch.awaitGone(Duration.ofSeconds(10)) - killedAt;
    long consulSawMs = consulSaw / 1_000_000;
    System.out.printf("[failover] SIGKILL -> Consul marks %s critical: %d ms; -> pushring's ring drops it: %d ms"
            + " (%d ms after Consul's passing set, polled every 10 ms); bound %d ms; %d of %d keys moved%n",
        victimId, consulSawMs, failover, failover - consulSawMs, FAILOVER_BOUND.toMillis(), victimKeys, KEYS);
    assertThat(failover).as("kill -> keys redirected (ms)").isLessThanOrEqualTo(FAILOVER_BOUND.toMillis());
    assertThat(failover - consulSawMs).as("Consul sees it -> keys redirected (ms)").isLessThanOrEqualTo(1_000);

    Map<String, String> during = Keys.owners(ring(), paths);
    List<String> survivorsMoved = new ArrayList<>();
    for (String path : paths) {
      String was = before.get(path);
      String now = during.get(path);
      if (was.equals(victimId)) assertThat(now).as(path).isNotNull().isNotEqualTo(victimId);
      else if (!was.equals(now)) survivorsMoved.add(path + ": " + was + " -> " + now);
    }
    assertThat(survivorsMoved).as("keys of surviving Pushgateways that moved").isEmpty();
    assertRedirects(paths, during);
    pushThroughRedirect(paths, during, victimId);

    // ---- back on the same port: rejoins, its keys return exactly
    long restartedAt = System.nanoTime();
    fleet.restart(victim);
    awaitRingIds(Set.copyOf(fleet.ids()), Duration.ofSeconds(10));
    System.out.printf("[failover] restarted on the same port: back in the ring after %d ms%n", Await.millisSince(restartedAt));
    assertThat(Keys.owners(ring(), paths)).as("owners after the rejoin").isEqualTo(before);
    assertRedirects(paths, before);

    // ---- deregistered (what Consul's reaper does after deregister-after): the registrar registers it again
    fleet.kill(victim);
    Await.until("ring without " + victimId, Duration.ofSeconds(10), () -> !ids(ring()).contains(victimId));
    assertThat(consul.deregisterService(victimId)).as("deregistered " + victimId).isTrue();
    long deregisteredAt = System.nanoTime();
    fleet.restart(victim);
    long reRegistered = Await.until("registrar registers " + victimId + " again", Duration.ofSeconds(10),
        () -> consul.allServiceIds(service).contains(victimId));
    awaitRingIds(Set.copyOf(fleet.ids()), Duration.ofSeconds(10));
    System.out.printf("[failover] deregistered in Consul, restarted: re-registered by the reconcile loop after %d ms,"
        + " in the ring after %d ms%n", reRegistered, Await.millisSince(deregisteredAt));
    assertThat(Keys.owners(ring(), paths)).as("owners after re-registration").isEqualTo(before);
    assertRedirects(paths, before);
  }

  private Ring ring() {
    return RingPublisher.current(vertx);
  }

  private static Set<String> ids(Ring ring) {
    Set<String> ids = new TreeSet<>();
    if (ring != null) for (Member m : ring.members()) ids.add(m.id());
    return ids;
  }

  private long awaitRingIds(Set<String> expected, Duration timeout) {
    return Await.until(() -> "ring " + ids(ring()) + " to be " + new TreeSet<>(expected), timeout,
        () -> ids(ring()).equals(expected));
  }

  /** Every path gets a 307 to its owner's base URL plus the path exactly as sent, over HTTP. */
  private void assertRedirects(List<String> paths, Map<String, String> owners) {
    Map<String, String> baseUrls = new HashMap<>();
    for (Member m : ring().members()) baseUrls.put(m.id(), "http://" + m.address());
    Map<String, String> got = locations.of(port, paths);
    Map<String, String> want = new HashMap<>();
    for (String path : paths) want.put(path, baseUrls.get(owners.get(path)) + path);
    assertThat(got).as("Location of every push").containsExactlyInAnyOrderEntriesOf(want);
  }

  /** A real push of a moved key follows the redirect and lands on the survivor that now owns it. */
  private void pushThroughRedirect(List<String> paths, Map<String, String> owners, String victimId) {
    String moved = paths.stream().filter(p -> !owners.get(p).equals(victimId)).findFirst().orElseThrow();
    String location = locations.put(port, moved);
    PushgatewayProcess target = null;
    for (int i = 0; i < fleet.size(); i++) {
      if (location.startsWith(fleet.get(i).baseUrl() + "/")) target = fleet.get(i);
    }
    assertThat(target).as("redirect target " + location).isNotNull();
    assertThat(target.put(moved, "failover_test_metric 1\n").status()).isEqualTo(200);
    assertThat(target.groups()).isNotEmpty();
  }
}
