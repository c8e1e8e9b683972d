package io.pushring.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.consul.ConsulFleet;
import io.pushring.key.GroupingKey;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10, kill / return: groups pushed through pushring (proxy mode) to 3 real Pushgateways with
 * persistence files; one is SIGKILLed (a crash: its file keeps what it held up to one second before)
 * while the clients keep pushing new values, then restarted on its port with its file, so it comes
 * back serving its old copies. After the ring change and the reconcile passes that follow, every group
 * must be on exactly one Pushgateway, its owner, with the newest value pushed; the groups pushed only
 * once before the kill must still exist; no push may have failed.
 */
class KillReturnTest {
  @RegisterExtension
  final ConsulFleet env = ConsulFleet.withPersistentPushgateways(3);

  private ReshardHarness harness;
  private TapRecorder tap;

  @AfterEach
  void stop() {
    if (tap != null) tap.close();
    if (harness != null) harness.close();
  }

  @Test
  void afterAKillAndAReturnWithItsFileEveryGroupIsOnItsOwnerOnlyWithItsNewestValue() {
    harness = new ReshardHarness(env, 3, ReshardHarness.COUNTERS, ReshardHarness.ONCE);
    tap = new TapRecorder(harness.port());
    Workload clients = harness.workload();
    long start = System.nanoTime();
    clients.seed();
    java.time.Instant seeded = java.time.Instant.now();
    clients.start();
    long steady = harness.awaitClean("steady state, 3 Pushgateways", start);
    assertThat(steady).as("the fleet is clean before any change").isNotNegative();

    int victim = 1;
    long killedAt = System.nanoTime();
    System.out.printf("[reshard] SIGKILL at %s%n", java.time.Instant.now());
    // The once-pushed groups must be in its file before the crash: a Pushgateway loses with a SIGKILL
    // what it acknowledged within its last persistence interval (a run killed 0.4 s after them lost 6).
    harness.fleet().awaitPersistedAfter(victim, seeded, Duration.ofSeconds(10));
    harness.fleet().kill(victim);
    long ringWithout = harness.awaitRing(Duration.ofSeconds(10));
    long failuresAtKill = clients.failures();
    // Clients keep pushing new values, to the survivors, while it is away.
    clients.awaitRounds(2, Duration.ofSeconds(30));
    long failuresWhileAway = clients.failures();
    System.out.printf("[reshard] SIGKILL %s: out of the ring after %d ms; %d pushes failed by then, %d while it was away%n",
        harness.fleet().id(victim), ringWithout, failuresAtKill, failuresWhileAway);

    long restartedAt = System.nanoTime();
    System.out.printf("[reshard] restart at %s%n", java.time.Instant.now());
    long outOfRingMillis = Long.getLong("probe.outOfRingMillis", 0);
    if (outOfRingMillis > 0) harness.deregister(victim);
    harness.fleet().restart(victim);
    if (outOfRingMillis > 0) {
      harness.awaitRing(Duration.ofSeconds(10));
      try { Thread.sleep(outOfRingMillis); } catch (InterruptedException e) { throw new AssertionError(e); }
      harness.register(victim);
    }
    long ringWith = harness.awaitRing(Duration.ofSeconds(10));
    System.out.printf("[reshard] back in the ring at %s%n", java.time.Instant.now());
    long changedAt = System.nanoTime();
    // What its file brought back, read at once: the once-pushed groups it owns must be among them,
    // else a loss later is the file's (the crash), not pushring's.
    Ring ring = harness.ring();
    Member returned = Member.ofAddress(harness.fleet().get(victim).host(), harness.fleet().get(victim).port());
    Set<GroupingKey> onceOwned = clients.expected().keySet().stream()
        .filter(k -> k.printable().contains("reshard-once") && ring.route(k).equals(returned)).collect(Collectors.toSet());
    int restored = FleetState.read(List.of(returned), onceOwned).copies().size();
    System.out.printf("[reshard] back with its file: %d of the %d once-pushed groups it owns restored%n", restored, onceOwned.size());
    System.out.printf("[reshard] restarted with its persistence file: in the ring after %d ms%n", Await.millisSince(restartedAt));
    long converged = harness.awaitClean("return of " + harness.fleet().id(victim), changedAt);

    FleetState.Verdict exact = harness.stopAndCheckExactly();
    System.out.printf("[reshard] kill/return: %s; final %s; since kill %d ms; reconcile %s%n",
        clients.summary(), exact, Await.millisSince(killedAt),
        harness.reconcile().getJsonObject("lastPass"));
    for (String lost : exact.missing()) {
      System.out.printf("[reshard] LOST %s: history%n", lost);
      for (io.vertx.core.json.JsonObject e : tap.history(lost)) System.out.printf("[reshard]   %s%n", e.encode());
    }
    if (!exact.missing().isEmpty()) {
      System.out.printf("[reshard] passes:%n");
      for (io.vertx.core.json.JsonObject e : tap.all()) {
        if ("pass".equals(e.getString("action")) || "read".equals(e.getString("action"))) System.out.printf("[reshard]   %s%n", e.encode());
      }
    }
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(restored).as("once-pushed groups its persistence file brought back").isEqualTo(onceOwned.size());
    soft.assertThat(converged).as("ms from the return to a clean fleet (-1: not within %s)", ReshardHarness.CONVERGE)
        .isNotNegative();
    soft.assertThat(exact.clean()).as("after the clients stopped: %s", exact).isTrue();
    soft.assertThat(clients.failures()).as("failed pushes in proxy mode: %s, e.g. %s", clients.failureKinds(), clients.failureExamples()).isZero();
    soft.assertThat(ringWith).isNotNegative();
    soft.assertAll();
  }
}
