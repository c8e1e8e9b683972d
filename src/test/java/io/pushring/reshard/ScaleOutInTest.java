package io.pushring.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.consul.ConsulFleet;
import java.time.Duration;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10, scale-out 3 → 4 and scale-in 4 → 3: a fourth Pushgateway (persistence file of its own) is
 * registered in Consul while the clients push through pushring, then one Pushgateway is deregistered
 * cleanly (it keeps running with what it holds). After each change: every group on exactly one
 * Pushgateway, its owner, with the newest value pushed, the once-pushed groups still there, the
 * deregistered Pushgateway empty, and no failed push.
 */
class ScaleOutInTest {
  @RegisterExtension
  final ConsulFleet env = ConsulFleet.withPersistentPushgateways(4);

  private ReshardHarness harness;

  @AfterEach
  void stop() {
    if (harness != null) harness.close();
  }

  @Test
  void afterAScaleOutAndAScaleInEveryGroupIsOnItsOwnerOnlyWithItsNewestValue() {
    harness = new ReshardHarness(env, 3, ReshardHarness.COUNTERS, ReshardHarness.ONCE);
    Workload clients = harness.workload();
    long start = System.nanoTime();
    clients.seed();
    clients.start();
    assertThat(harness.awaitClean("steady state, 3 Pushgateways", start)).isNotNegative();

    harness.register(3);
    long outRing = harness.awaitRing(Duration.ofSeconds(10));
    long outAt = System.nanoTime();
    long out = harness.awaitClean("scale-out 3 -> 4 (ring updated " + outRing + " ms after the registration)", outAt);

    int leaving = 0;
    harness.deregister(leaving);
    long inRing = harness.awaitRing(Duration.ofSeconds(10));
    long inAt = System.nanoTime();
    long in = harness.awaitClean("scale-in 4 -> 3 (" + harness.fleet().id(leaving) + " deregistered, running; ring updated "
        + inRing + " ms after)", inAt);

    FleetState.Verdict exact = harness.stopAndCheckExactly();
    int leftOnLeaving = harness.fleet().get(leaving).groups().size();
    System.out.printf("[reshard] scale-out/in: %s; final %s; %d groups left on the deregistered one;"
            + " reconcile %s%n", clients.summary(), exact, leftOnLeaving,
        harness.reconcile().getJsonObject("lastPass"));
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(out).as("ms from the scale-out to a clean fleet (-1: not within %s)", ReshardHarness.CONVERGE).isNotNegative();
    soft.assertThat(in).as("ms from the scale-in to a clean fleet (-1: not within %s)", ReshardHarness.CONVERGE).isNotNegative();
    soft.assertThat(exact.clean()).as("after the clients stopped: %s", exact).isTrue();
    soft.assertThat(leftOnLeaving).as("groups left on the deregistered Pushgateway").isZero();
    soft.assertThat(clients.failures()).as("failed pushes in proxy mode: %s, e.g. %s", clients.failureKinds(), clients.failureExamples()).isZero();
    soft.assertAll();
  }
}
