package io.pushring.ring;

import static io.pushring.ring.RingFixtures.fleet;
import static io.pushring.ring.RingFixtures.hits;
import static io.pushring.ring.RingFixtures.keys;
import static io.pushring.ring.RingFixtures.owners;
import static io.pushring.ring.RingFixtures.positions;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Quality of the default placement over 1,000,000 realistic grouping keys: balance, movement on
 * membership change, determinism. Prints the figures the way Envoy's LB benchmarks do
 * (relative stddev of hits, max/mean, percent moved against the 1/(n+1) optimum).
 */
class GroupingKeyPlacementTest {
  private static final int KEYS = 1_000_000;
  private static long[] positions;

  @BeforeAll
  static void hashKeys() {
    positions = positions(Placement.GROUPING_KEY, keys(KEYS));
  }

  @ParameterizedTest(name = "{0} members")
  @ValueSource(ints = {10, 50})
  void loadIsBalancedWithinFivePercent(int n) {
    Ring ring = Ring.build(Placement.GROUPING_KEY, fleet(n), 1);
    int[] hits = hits(ring, positions);
    double mean = (double) KEYS / n;
    double var = 0;
    int max = 0;
    int min = Integer.MAX_VALUE;
    for (int h : hits) {
      var += (h - mean) * (h - mean);
      max = Math.max(max, h);
      min = Math.min(min, h);
    }
    double relStddev = Math.sqrt(var / n) / mean;
    double[] shares = ring.shares();
    System.out.printf(
        "grouping-key n=%d: keys=%d mean_hits=%.0f relative_stddev_hits=%.4f max/mean=%.4f min/mean=%.4f"
            + " ownership min=%.4f%% max=%.4f%% (exact max/mean %.4f) tokens min=%d max=%d%n",
        n, KEYS, mean, relStddev, max / mean, min / mean,
        100 * Arrays.stream(shares).min().orElseThrow(), 100 * Arrays.stream(shares).max().orElseThrow(),
        ring.maxOverMeanShare(), ring.minTokens(), ring.maxTokens());
    assertThat(Arrays.stream(hits).sum()).isEqualTo(KEYS);
    assertThat(max / mean).isLessThanOrEqualTo(1.05);
    assertThat(ring.maxOverMeanShare()).isLessThanOrEqualTo(1.05);
    assertThat(Arrays.stream(shares).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
  }

  @ParameterizedTest(name = "{0} members, remove each of several")
  @ValueSource(ints = {10, 50})
  void removingAMemberMovesOnlyItsKeys(int n) {
    List<Member> members = fleet(n);
    Ring before = Ring.build(Placement.GROUPING_KEY, members, 1);
    Member[] ownersBefore = owners(before, positions);
    for (int removed : new int[] {0, n / 2, n - 1}) {
      Member gone = members.get(removed);
      List<Member> rest = new ArrayList<>(members);
      rest.remove(removed);
      Ring after = Ring.build(Placement.GROUPING_KEY, rest, 2);
      int moved = 0;
      int movedOthers = 0;
      int owned = 0;
      for (int i = 0; i < KEYS; i++) {
        Member now = after.lookup(positions[i]);
        if (ownersBefore[i].equals(gone)) owned++;
        if (!now.equals(ownersBefore[i])) {
          moved++;
          if (!ownersBefore[i].equals(gone)) movedOthers++;
        }
      }
      System.out.printf("grouping-key remove %s from %d: moved %.3f%% of keys (optimal 1/n = %.3f%%), moved keys of others: %d%n",
          gone.id(), n, 100.0 * moved / KEYS, 100.0 / n, movedOthers);
      assertThat(movedOthers).as("keys of other members that moved").isZero();
      assertThat(moved).as("every key of the removed member moves").isEqualTo(owned);
    }
  }

  @ParameterizedTest(name = "{0} members + 1")
  @ValueSource(ints = {10, 50})
  void addingAMemberMovesAboutOneOverNPlusOneOnlyToIt(int n) {
    List<Member> members = fleet(n + 1);
    Member added = members.remove(n);
    Ring before = Ring.build(Placement.GROUPING_KEY, members, 1);
    Ring after = Ring.build(Placement.GROUPING_KEY, fleet(n + 1), 2);
    int moved = 0;
    int movedElsewhere = 0;
    for (long h : positions) {
      Member was = before.lookup(h);
      Member now = after.lookup(h);
      if (!was.equals(now)) {
        moved++;
        if (!now.equals(added)) movedElsewhere++;
      }
    }
    double fraction = (double) moved / KEYS;
    double optimal = 1.0 / (n + 1);
    System.out.printf("grouping-key add %s to %d: moved %.3f%% of keys, optimal 1/(n+1) = %.3f%%, ratio %.3f%n",
        added.id(), n, 100 * fraction, 100 * optimal, fraction / optimal);
    assertThat(movedElsewhere).as("keys that moved to an old member").isZero();
    assertThat(fraction).isLessThanOrEqualTo(1.1 * optimal);
    assertThat(fraction).isGreaterThan(0.9 * optimal); // the new member does take its share
  }

  @Test
  void placementIsIndependentOfMemberOrderAndOfTheRun() {
    List<Member> members = fleet(20);
    Ring a = Ring.build(Placement.GROUPING_KEY, members, 1);
    List<Member> shuffled = new ArrayList<>(members);
    Collections.shuffle(shuffled, new Random(7));
    Ring b = Ring.build(Placement.GROUPING_KEY, shuffled, 1);
    Collections.reverse(shuffled);
    Ring c = Ring.build(Placement.GROUPING_KEY, new java.util.HashSet<>(shuffled), 9);
    assertThat(b.tokenCounts()).isEqualTo(a.tokenCounts()).isEqualTo(c.tokenCounts());
    assertThat(b.fingerprint()).isEqualTo(a.fingerprint()).isEqualTo(c.fingerprint());
    for (int i = 0; i < KEYS; i += 7) {
      Member owner = a.lookup(positions[i]);
      if (!owner.equals(b.lookup(positions[i])) || !owner.equals(c.lookup(positions[i]))) {
        throw new AssertionError("key " + i + " placed differently");
      }
    }
    // Across runs and JVMs: the golden values in PlacementGoldenTest pin hashes, tokens and owners.
  }

  @Test
  void pointsDependOnTheIdNotTheAddress() {
    Member moved = new Member("pgw-a", "10.0.0.1", 9091);
    Member sameIdElsewhere = new Member("pgw-a", "10.9.9.9", 19091);
    Ring one = Ring.build(Placement.GROUPING_KEY, List.of(moved, new Member("pgw-b", "10.0.0.2", 9091)), 1);
    Ring two = Ring.build(Placement.GROUPING_KEY, List.of(sameIdElsewhere, new Member("pgw-b", "10.0.0.2", 9091)), 1);
    assertThat(two.tokenCounts()).isEqualTo(one.tokenCounts());
    for (int i = 0; i < 10_000; i++) {
      assertThat(two.lookup(positions[i]).id()).isEqualTo(one.lookup(positions[i]).id());
    }
    assertThat(two.fingerprint()).as("the address is part of where keys go").isNotEqualTo(one.fingerprint());
  }
}
