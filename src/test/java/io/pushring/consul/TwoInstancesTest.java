package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.bus.RingPublisher;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.consul.ConsulFixture;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3: pushring is stateless. Two instances (two deployments on two Vert.x instances, each
 * registering the same fleet, as two replicas would) watching one Consul answer the same
 * {@code Location} for 10,000 pushes, and agree again within 2 s of a membership change.
 */
class TwoInstancesTest {
  private static final int KEYS = 10_000;
  private static final long AGREEMENT_BOUND_MILLIS = 2_000;

  @RegisterExtension
  final ConsulFleet env = ConsulFleet.withPushgateways(3);

  private ConsulFixture consul;
  private Fleet fleet;
  private Vertx vertxA;
  private Vertx vertxB;
  private final Locations locations = new Locations();
  private String service;
  private int portA;
  private int portB;

  @BeforeEach
  void start() {
    consul = env.consul();
    fleet = env.fleet();
    service = env.service();
    ConsulFleet.Pushring a = env.deployRegisteringFleet();
    ConsulFleet.Pushring b = env.deployRegisteringFleet();
    vertxA = a.vertx();
    vertxB = b.vertx();
    portA = a.port();
    portB = b.port();
  }

  @AfterEach
  void stop() {
    locations.close();
  }

  @Test
  void twoInstancesRouteEveryKeyAlikeAndAgreeAgainWithinTwoSecondsOfAChange() {
    List<String> paths = Keys.paths("two", KEYS);
    long formed = awaitBoth(new TreeSet<>(fleet.ids()), Duration.ofSeconds(15));
    System.out.printf("[two] %s: both instances have the 3 Pushgateways registered by both registrars after %d ms%n",
        consul.kind(), formed);
    assertSameLocations(paths, 3);

    // 1. a Pushgateway joins (registered with no check: passing the moment Consul has it)
    int added = fleet.add();
    consul.registerService(fleet.id(added), service, fleet.get(added).host(), fleet.get(added).port());
    long join = awaitBoth(new TreeSet<>(fleet.ids()), Duration.ofSeconds(10));
    // 2. it leaves (deregistered)
    consul.deregisterService(fleet.id(added));
    Set<String> three = new TreeSet<>(fleet.ids());
    three.remove(fleet.id(added));
    long leave = awaitBoth(three, Duration.ofSeconds(10));
    // 3. one crashes (SIGKILL): timed from the moment Consul's check marks it critical
    String victim = fleet.id(0);
    ConsulWatch watch = ConsulWatch.start(consul, service, victim);
    fleet.kill(0);
    Set<String> two = new TreeSet<>(three);
    two.remove(victim);
    long crashAgreedAt = System.nanoTime() + awaitBoth(two, Duration.ofSeconds(10)) * 1_000_000;
    long crash = (crashAgreedAt - watch.awaitGone(Duration.ofSeconds(10))) / 1_000_000;
    System.out.printf("[two] both instances agree again after a change in Consul: join %d ms, leave %d ms,"
        + " crash %d ms (after Consul marked it critical); bound %d ms%n", join, leave, crash, AGREEMENT_BOUND_MILLIS);
    assertThat(join).as("join -> agreement (ms)").isLessThanOrEqualTo(AGREEMENT_BOUND_MILLIS);
    assertThat(leave).as("leave -> agreement (ms)").isLessThanOrEqualTo(AGREEMENT_BOUND_MILLIS);
    assertThat(crash).as("crash seen by Consul -> agreement (ms)").isLessThanOrEqualTo(AGREEMENT_BOUND_MILLIS);
    assertSameLocations(paths, 2);
  }

  /**
   * Waits until both instances' rings hold exactly {@code ids} with the same fingerprint; returns the
   * milliseconds until the later of the two got there.
   */
  private long awaitBoth(Set<String> ids, Duration timeout) {
    return Await.until(() -> "both rings to be " + ids + ": A " + ids(ring(vertxA)) + ", B " + ids(ring(vertxB)),
        timeout, () -> ids(ring(vertxA)).equals(ids) && ids(ring(vertxB)).equals(ids)
            && ring(vertxA).fingerprint().equals(ring(vertxB).fingerprint()));
  }

  private void assertSameLocations(List<String> paths, int members) {
    Map<String, String> a = locations.of(portA, paths);
    Map<String, String> b = locations.of(portB, paths);
    assertThat(a.values()).as("every answer of A is a redirect to a member")
        .allSatisfy(location -> assertThat(location).startsWith("http://127.0.0.1:"));
    assertThat(b).as("B's Location for each of %d keys, against A's", paths.size()).isEqualTo(a);
    Set<String> targets = new TreeSet<>();
    a.forEach((path, location) -> targets.add(location.substring(0, location.length() - path.length())));
    assertThat(targets).as("distinct redirect targets").hasSize(members);
    System.out.printf("[two] %d keys: identical Location on both instances, spread over %d Pushgateways%n",
        paths.size(), targets.size());
  }

  private static Ring ring(Vertx vertx) {
    return RingPublisher.current(vertx);
  }

  private static Set<String> ids(Ring ring) {
    Set<String> ids = new TreeSet<>();
    if (ring != null) for (Member m : ring.members()) ids.add(m.id());
    return ids;
  }
}
