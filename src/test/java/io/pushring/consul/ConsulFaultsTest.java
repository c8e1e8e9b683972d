package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.bus.DiscoveryStatus;
import io.pushring.testing.Await;
import io.pushring.testing.consul.ConsulFaults;
import io.pushring.testing.consul.TcpFaults;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ConsulFaultScenarios} on the in-repo Consul test server, plus the faults only it can make:
 * an index reset (a raft snapshot restore) and 500s.
 */
class ConsulFaultsTest extends ConsulFaultScenarios {
  @RegisterExtension
  static final ConsulFleet env = ConsulFleet.inRepoWithPushgateways(3);

  @Override
  ConsulFleet env() {
    return env;
  }

  @Override
  TcpFaults tcpFaults() {
    return faults();
  }

  @Override
  String consulAddress() {
    return consul.hostPort();
  }

  private ConsulFaults faults() {
    return consul.faults().orElseThrow();
  }

  @Test
  void indexResetIsFollowedWithoutLosingTheChangeThatComesWithIt() {
    startWithTwoMembers("reset");
    long indexBefore = DiscoveryStatus.current(vertx).consulIndex();
    long before = requests();
    long t0 = System.nanoTime();
    faults().resetIndex();
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
  void serverErrorsAreRetriedWithBackoffNotInATightLoop() {
    startWithTwoMembers("500");
    failingWindow("HTTP 500", () -> faults().failWith(500, 100_000, healthPath()));
  }

}
