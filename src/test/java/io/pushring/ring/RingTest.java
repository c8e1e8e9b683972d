package io.pushring.ring;

import static io.pushring.ring.RingFixtures.bruteForce;
import static io.pushring.ring.RingFixtures.fleet;
import static io.pushring.ring.RingFixtures.keys;
import static io.pushring.ring.RingFixtures.positions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RingTest {
  private static final Member A = new Member("a", "10.0.0.1", 9091);
  private static final Member B = new Member("b", "10.0.0.2", 9091);
  private static final Member C = new Member("c", "10.0.0.3", 9091);

  private static Ring injected(Placement placement, Map<Member, long[]> points) {
    return Ring.ofPoints(placement, points.keySet(), 1, points::get);
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void emptyRingRoutesNothing(Placement placement) {
    Ring ring = Ring.empty(placement, 3);
    assertThat(ring.isEmpty()).isTrue();
    assertThat(ring.size()).isZero();
    assertThat(ring.version()).isEqualTo(3);
    assertThat(ring.placement()).isEqualTo(placement);
    assertThat(ring.members()).isEmpty();
    assertThat(ring.lookup(0)).isNull();
    assertThat(ring.lookup(-1)).isNull();
    assertThat(ring.shares()).isEmpty();
    assertThat(ring.minTokens()).isZero();
    assertThat(ring.maxOverMeanShare()).isZero();
    assertThat(ring.fingerprint()).isEqualTo(Ring.build(placement, List.of(), 9).fingerprint()).hasSize(16);
    assertThat(ring.sameMembers(Ring.build(placement, List.of(), 9))).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void singleMemberOwnsEverything(Placement placement) {
    Ring ring = Ring.build(placement, List.of(A), 1);
    for (long h : positions(placement, keys(10_000))) assertThat(ring.lookup(h)).isSameAs(ring.members().get(0));
    assertThat(ring.lookup(0)).isEqualTo(A);
    assertThat(ring.lookup(-1L)).isEqualTo(A);
    assertThat(ring.shares()).containsExactly(1.0);
    int expected = placement == Placement.GROUPING_KEY ? 1 << Placement.GROUPING_KEY_SLOT_BITS : Placement.DYNAMIC_SHARDING_REPLICAS;
    assertThat(ring.minTokens()).isEqualTo(ring.maxTokens()).isEqualTo(expected);
  }

  @Test
  void duplicateIdsAreRejected() {
    Member sameId = new Member("a", "10.9.9.9", 9091);
    assertThatThrownBy(() -> Ring.build(Placement.GROUPING_KEY, List.of(A, B, sameId), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate member id a");
    assertThatThrownBy(() -> Ring.build(Placement.DYNAMIC_SHARDING, List.of(A, A), 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Ring.build(Placement.GROUPING_KEY, Arrays.asList(A, null), 1))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void groupingKeyModeHoldsAtMost65536Members() {
    List<Member> many = new ArrayList<>();
    for (int i = 0; i <= SlotTable.MAX_MEMBERS; i++) many.add(new Member("m" + i, "10.0.0.1", 9091));
    assertThatThrownBy(() -> Ring.build(Placement.GROUPING_KEY, many, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 65536 members");
  }

  @Test
  void membersAreSortedByIdAndImmutable() {
    Ring ring = Ring.build(Placement.GROUPING_KEY, List.of(C, A, B), 1);
    assertThat(ring.members()).containsExactly(A, B, C);
    assertThatThrownBy(() -> ring.members().add(A)).isInstanceOf(UnsupportedOperationException.class);
    double[] shares = ring.shares();
    shares[0] = 42;
    assertThat(ring.shares()[0]).isLessThan(1.0); // a copy
    assertThat(ring.totalTokens()).isEqualTo(1 << Placement.GROUPING_KEY_SLOT_BITS);
    assertThat(Arrays.stream(ring.tokenCounts()).sum()).isEqualTo(1 << Placement.GROUPING_KEY_SLOT_BITS);
  }

  @Test
  void withVersionKeepsThePlacement() {
    Ring ring = Ring.build(Placement.GROUPING_KEY, List.of(A, B, C), 1);
    Ring next = ring.withVersion(2);
    assertThat(next.version()).isEqualTo(2);
    assertThat(ring.version()).isEqualTo(1);
    assertThat(next.fingerprint()).isEqualTo(ring.fingerprint());
    assertThat(next.sameMembers(ring)).isTrue();
    assertThat(next.members()).isEqualTo(ring.members());
    for (long h : positions(Placement.GROUPING_KEY, keys(10_000))) assertThat(next.lookup(h)).isSameAs(ring.lookup(h));
    assertThat(next.copy()).as("Shareable: held by reference").isSameAs(next);
  }

  @Test
  void sameMembersComparesIdsAddressesAndPlacement() {
    Ring ring = Ring.build(Placement.GROUPING_KEY, List.of(A, B), 1);
    assertThat(ring.sameMembers(Ring.build(Placement.GROUPING_KEY, List.of(B, A), 7))).isTrue();
    assertThat(ring.sameMembers(Ring.build(Placement.GROUPING_KEY, List.of(A, new Member("b", "10.0.0.2", 9092)), 1))).isFalse();
    assertThat(ring.sameMembers(Ring.build(Placement.GROUPING_KEY, List.of(A, B, C), 1))).isFalse();
    assertThat(ring.sameMembers(Ring.build(Placement.DYNAMIC_SHARDING, List.of(A, B), 1))).isFalse();
    assertThat(ring.sameMembers(null)).isFalse();
  }

  @Test
  void fingerprintChangesWithAnyMemberDetail() {
    String base = Ring.build(Placement.GROUPING_KEY, List.of(A, B), 1).fingerprint();
    assertThat(Ring.build(Placement.GROUPING_KEY, List.of(B, A), 99).fingerprint()).isEqualTo(base);
    assertThat(Ring.build(Placement.GROUPING_KEY, List.of(A, new Member("b", "10.0.0.2", 9092)), 1).fingerprint()).isNotEqualTo(base);
    assertThat(Ring.build(Placement.GROUPING_KEY, List.of(A, new Member("b2", "10.0.0.2", 9091)), 1).fingerprint()).isNotEqualTo(base);
    assertThat(Ring.build(Placement.DYNAMIC_SHARDING, List.of(A, B), 1).fingerprint()).isNotEqualTo(base);
    assertThat(base).matches("[0-9a-f]{16}");
  }

  @Test
  void pointRingTakesTheNextPointStrictlyGreaterAndWraps() {
    // Dynamic-sharding positions are unsigned 32-bit.
    Ring ring = injected(Placement.DYNAMIC_SHARDING, Map.of(A, new long[] {100, 300}, B, new long[] {200, 0xFFFF_FFFBL}));
    assertThat(ring.positions()).containsExactly(100, 200, 300, 0xFFFF_FFFBL);
    assertThat(ring.lookup(0)).isEqualTo(A);
    assertThat(ring.lookup(99)).isEqualTo(A);
    assertThat(ring.lookup(100)).as("equal to a point: the next point").isEqualTo(B);
    assertThat(ring.lookup(199)).isEqualTo(B);
    assertThat(ring.lookup(200)).isEqualTo(A);
    assertThat(ring.lookup(300)).as("unsigned: 0xFFFFFFFB is the largest point").isEqualTo(B);
    assertThat(ring.lookup(0x8000_0000L)).isEqualTo(B);
    assertThat(ring.lookup(0xFFFF_FFFAL)).isEqualTo(B);
    assertThat(ring.lookup(0xFFFF_FFFBL)).as("past the largest point: wrap to the smallest").isEqualTo(A);
    assertThat(ring.lookup(0xFFFF_FFFFL)).isEqualTo(A);
    // Arcs: A owns (0xFFFFFFFB, 100] (105 positions) and (200, 300]; B the rest.
    double[] shares = ring.shares();
    assertThat(shares[0] * 0x1p32).isCloseTo(105 + 100, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(shares[0] + shares[1]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void pointRingAtFullWidthComparesUnsigned() {
    Ring ring = injected(Placement.GROUPING_KEY, Map.of(A, new long[] {100, -5L /* 2^64-5 */}, B, new long[] {Long.MIN_VALUE}));
    assertThat(ring.lookup(100)).isEqualTo(B);
    assertThat(ring.lookup(Long.MAX_VALUE)).isEqualTo(B);
    assertThat(ring.lookup(Long.MIN_VALUE)).isEqualTo(A);
    assertThat(ring.lookup(-5L)).isEqualTo(A);
    assertThat(ring.lookup(-6L)).isEqualTo(A);
    assertThat(ring.lookup(99)).isEqualTo(A);
  }

  @Test
  void equalPointsBelongToTheMemberInsertedLast() {
    // Dynamic-sharding inserts by address "host:port", byte-wise: 10.0.0.1:9091 (A) then 10.0.0.2:9091 (B).
    Ring ring = injected(Placement.DYNAMIC_SHARDING, Map.of(A, new long[] {100, 200}, B, new long[] {200, 300}));
    assertThat(ring.lookup(150)).isEqualTo(B);
    assertThat(ring.totalTokens()).isEqualTo(3);
    assertThat(ring.tokenCounts()).containsExactly(1, 2);
    assertThat(ring.lookup(50)).isEqualTo(A);
    assertThat(ring.lookup(250)).isEqualTo(B);
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void pointRingLookupMatchesALinearScanOnRandomRings(Placement placement) {
    // Point rings are dynamic-sharding's (32-bit); the grouping-key width checks the table at 64 bits.
    Random random = new Random(12345);
    long mask = placement == Placement.DYNAMIC_SHARDING ? 0xFFFFFFFFL : -1L;
    for (int round = 0; round < 200; round++) {
      int n = 1 + random.nextInt(6);
      Map<Member, long[]> points = new HashMap<>();
      List<Member> members = fleet(n);
      boolean clustered = round % 3 == 0; // many points in one prefix bucket: exercises the binary search
      for (Member m : members) {
        long[] p = new long[1 + random.nextInt(40)];
        for (int i = 0; i < p.length; i++) {
          p[i] = clustered ? (0x7000_0000L + random.nextInt(64)) & mask : random.nextLong() & mask;
        }
        points.put(m, p);
      }
      Ring ring = injected(placement, points);
      // Reference: dedupe equal points keeping the last inserted member (insertion = placement order).
      List<Member> inserted = new ArrayList<>(members);
      inserted.sort(placement.insertionOrder());
      Map<Long, Integer> owner = new HashMap<>();
      for (Member m : inserted) for (long p : points.get(m)) owner.put(p, ring.members().indexOf(m));
      long[] all = owner.keySet().stream().mapToLong(Long::longValue).toArray();
      int[] owners = Arrays.stream(all).mapToInt(p -> owner.get(p)).toArray();
      for (int probe = 0; probe < 300; probe++) {
        long h;
        int kind = probe % 3;
        long anyPoint = all[random.nextInt(all.length)];
        h = switch (kind) {
          case 0 -> random.nextLong() & mask;
          case 1 -> anyPoint;
          default -> (anyPoint - 1) & mask;
        };
        assertThat(ring.lookup(h)).as("round %d probe %x", round, h).isEqualTo(ring.members().get(bruteForce(all, owners, h)));
      }
    }
  }

  @Test
  void lookupAllocatesNothing() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Ring ring = Ring.build(Placement.GROUPING_KEY, fleet(100), 1);
    long[] positions = positions(Placement.GROUPING_KEY, keys(1 << 16));
    int mask = positions.length - 1;
    long sink = 0;
    for (int i = 0; i < 2_000_000; i++) sink += ring.lookup(positions[i & mask]).port(); // warm up, JIT
    long tid = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 1_000_000; i++) sink += ring.lookup(positions[i & mask]).port();
    long allocated = threads.getThreadAllocatedBytes(tid) - before;
    System.out.printf("lookup allocation: %d bytes over 1e6 lookups (sink %d)%n", allocated, sink);
    assertThat(allocated).isLessThan(1024); // the measurement itself may allocate a few bytes, a lookup none
  }

  @Test
  void incrementalRebuildTimeAtOneHundredMembers() {
    List<Member> members = fleet(101);
    Member extra = members.remove(100);
    Ring ring = Ring.build(Placement.GROUPING_KEY, members, 1);
    List<Member> plusOne = new ArrayList<>(members);
    plusOne.add(extra);
    long bestAdd = Long.MAX_VALUE;
    long bestRemove = Long.MAX_VALUE;
    Ring added = null;
    Ring removed = null;
    for (int run = 0; run < 5; run++) {
      long t0 = System.nanoTime();
      added = ring.withMembers(plusOne, 2);
      long t1 = System.nanoTime();
      removed = ring.withMembers(members.subList(1, 100), 3);
      long t2 = System.nanoTime();
      bestAdd = Math.min(bestAdd, t1 - t0);
      bestRemove = Math.min(bestRemove, t2 - t1);
    }
    System.out.printf("withMembers grouping-key at 100 members: add one %.1f ms, remove one %.1f ms%n", bestAdd / 1e6, bestRemove / 1e6);
    assertThat(added.fingerprint()).isEqualTo(Ring.build(Placement.GROUPING_KEY, plusOne, 2).fingerprint());
    assertThat(removed.fingerprint()).isEqualTo(Ring.build(Placement.GROUPING_KEY, members.subList(1, 100), 3).fingerprint());
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void withMembersIsBuild(Placement placement) {
    Random random = new Random(99);
    List<Member> pool = fleet(40);
    Ring ring = Ring.empty(placement, 0);
    long[] probes = positions(placement, keys(50_000));
    for (int step = 1; step <= 25; step++) {
      List<Member> next = new ArrayList<>();
      for (Member m : pool) if (random.nextInt(3) > 0) next.add(m);
      if (step % 7 == 0) next.clear(); // through the empty ring and back
      if (step % 5 == 0 && !next.isEmpty()) { // same id, new address: slots follow the id
        Member m = next.remove(0);
        next.add(new Member(m.id(), "192.168.1." + step, 9091));
      }
      Ring incremental = ring.withMembers(next, step);
      Ring fresh = Ring.build(placement, next, step);
      assertThat(incremental.members()).isEqualTo(fresh.members());
      assertThat(incremental.version()).isEqualTo(step);
      assertThat(incremental.fingerprint()).as("step %d", step).isEqualTo(fresh.fingerprint());
      assertThat(incremental.tokenCounts()).isEqualTo(fresh.tokenCounts());
      for (long h : probes) {
        if (!java.util.Objects.equals(incremental.lookup(h), fresh.lookup(h))) throw new AssertionError("step " + step + " position " + h);
      }
      ring = incremental;
    }
  }

  @Test
  void slotOwnersAreTheRendezvousWinners() {
    List<Member> members = fleet(7);
    Ring ring = Ring.build(Placement.GROUPING_KEY, members, 1);
    Random random = new Random(5);
    for (int probe = 0; probe < 20_000; probe++) {
      long h = random.nextLong();
      int slot = (int) (h >>> (64 - Placement.GROUPING_KEY_SLOT_BITS));
      Member winner = null;
      long best = 0;
      for (Member m : members) {
        long score = SlotTable.score(Placement.memberKey(m), slot);
        if (winner == null || Long.compareUnsigned(score, best) > 0) {
          winner = m;
          best = score;
        }
      }
      assertThat(ring.lookup(h)).isEqualTo(winner);
    }
  }
}
