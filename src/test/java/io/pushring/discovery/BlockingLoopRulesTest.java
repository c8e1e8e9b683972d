package io.pushring.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushring.consul.Backoff;
import io.pushring.consul.BlockingIndex;
import io.pushring.consul.BlockingIndex.Outcome;
import io.pushring.consul.TokenBucket;
import io.pushring.ring.Member;
import io.vertx.ext.consul.Node;
import io.vertx.ext.consul.Service;
import io.vertx.ext.consul.ServiceEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The rules of the blocking-query loop, without a loop: index, rate limit, backoff, entries to members. */
class BlockingLoopRulesTest {

  @Test
  void indexNeverBlocksOnZeroAndResetsWhenItGoesBackwards() {
    BlockingIndex i = BlockingIndex.NONE;
    assertThat(i.blocks()).isFalse();
    assertThat(i.classify(42)).isEqualTo(Outcome.CHANGED);
    i = i.next(42);
    assertThat(i.value()).isEqualTo(42);
    assertThat(i.blocks()).isTrue();
    assertThat(i.classify(42)).isEqualTo(Outcome.UNCHANGED);
    assertThat(i.next(42).value()).isEqualTo(42);
    assertThat(i.classify(7)).isEqualTo(Outcome.RESET);
    assertThat(i.next(7)).isEqualTo(BlockingIndex.NONE);   // next query: no index, answers at once
    // A server answering index 0 is never waited on with 0: "it is always safe to use an index of 1".
    assertThat(BlockingIndex.NONE.next(0).value()).isEqualTo(1);
  }

  @Test
  void tokenBucketAllowsABurstOfTwoThenOnePerSecond() {
    long t = 1_000_000_000L;
    TokenBucket bucket = new TokenBucket(2, 1.0, t);
    assertThat(bucket.tryTake(t)).isZero();
    assertThat(bucket.tryTake(t)).isZero();
    long wait = bucket.tryTake(t);
    assertThat(wait).isEqualTo(TimeUnit.SECONDS.toNanos(1));
    assertThat(bucket.tryTake(t + wait / 2)).isBetween(wait / 2 - 1, wait / 2 + 1);
    assertThat(bucket.tryTake(t + wait)).isZero();
    // Idle for a minute: still only a burst of two.
    long later = t + TimeUnit.MINUTES.toNanos(1);
    assertThat(bucket.tryTake(later)).isZero();
    assertThat(bucket.tryTake(later)).isZero();
    assertThat(bucket.tryTake(later)).isPositive();
    // A loop answering at once 1,000 times in 10 s gets ~ 2 + 10 queries through, not 1,000.
    TokenBucket flood = new TokenBucket(2, 1.0, 0);
    int sent = 0;
    for (int k = 0; k < 1000; k++) if (flood.tryTake(k * 10_000_000L) == 0) sent++;
    assertThat(sent).isBetween(11, 12);
  }

  @Test
  void backoffGrowsExponentiallyWithJitterUpToTheCap() {
    Backoff b = new Backoff(250, 10_000);
    assertThat(b.delayMillis(1, () -> 0.0)).isEqualTo(125);
    assertThat(b.delayMillis(1, () -> 0.999)).isBetween(249L, 250L);
    assertThat(b.delayMillis(3, () -> 0.0)).isEqualTo(500);
    assertThat(b.delayMillis(3, () -> 0.999)).isBetween(999L, 1000L);
    assertThat(b.delayMillis(50, () -> 0.0)).isEqualTo(5_000);
    assertThat(b.delayMillis(50, () -> 0.999)).isBetween(9_990L, 10_000L);
    assertThatThrownBy(() -> new Backoff(0, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void entriesBecomeMembersByServiceIdWithConsulsAddressRule() {
    List<ServiceEntry> entries = new ArrayList<>();
    entries.add(entry("node-b", "10.0.0.2", "pg_b", "", 9091));            // no service address: node's
    entries.add(entry("node-a", "10.0.0.1", "pg_a", "192.168.1.1", 9091)); // service address wins
    entries.add(entry("node-z", "10.0.0.9", "pg_a", "192.168.1.9", 9091)); // same ID via another agent
    entries.add(entry("node-c", "10.0.0.3", "pg_c", "", 0));              // no port: not routable
    assertThat(ConsulDiscoveryVerticle.members(entries)).containsExactly(
        new Member("pg_a", "192.168.1.1", 9091),
        new Member("pg_b", "10.0.0.2", 9091));
  }

  private static ServiceEntry entry(String node, String nodeAddress, String id, String address, int port) {
    return new ServiceEntry()
        .setNode(new Node().setName(node).setAddress(nodeAddress))
        .setService(new Service().setId(id).setName("pushgateway").setAddress(address).setPort(port));
  }
}
