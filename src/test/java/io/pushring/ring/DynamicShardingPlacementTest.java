package io.pushring.ring;

import static io.pushring.ring.RingFixtures.fleet;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Bit-compatibility with ning1875/dynamic-sharding as DESIGN.md "Placement modes" specifies it, and
 * as its source does it: {@code pkg/consistent/consistent.go} hashes {@code strconv.Itoa(idx) + elt}
 * with {@code murmur3.Sum32}, stores {@code circle[hash] = elt} (a later member overwrites an equal
 * point), searches {@code sortedHashes[x] > key} and wraps to 0; {@code pkg/sd/rings.go} adds the
 * nodes after {@code sort.Strings} (byte-wise) with 500 replicas; {@code pkg/sd/sd.go} names a node
 * {@code fmt.Sprintf("%s:%d", Service.Address, Service.Port)}. Golden owners are in
 * {@link PlacementGoldenTest}.
 */
class DynamicShardingPlacementTest {
  private static final Placement DS = Placement.DYNAMIC_SHARDING;

  /**
   * A real collision of 32-bit points, found by search with Python mmh3: murmur3("48110.0.0.56:9091")
   * = murmur3("9610.0.0.151:9091") = 0x3d3274dd. Byte-wise, "10.0.0.151:9091" < "10.0.0.56:9091"
   * ('1' < '5'), so .56 is inserted later and owns the point, although 56 < 151 numerically and the
   * ids below sort the other way.
   */
  @Test
  void aRealCollisionGoesToTheMemberInsertedLaterByteWise() {
    Member m56 = new Member("a-56", "10.0.0.56", 9091);
    Member m151 = new Member("b-151", "10.0.0.151", 9091);
    long point = 0x3d3274ddL;
    assertThat(DS.points(m56)[481]).isEqualTo(point);
    assertThat(DS.points(m151)[96]).isEqualTo(point);

    Ring ring = Ring.build(DS, List.of(m56, m151), 1);
    assertThat(ring.lookup(point - 1)).isEqualTo(m56);
    assertThat(ring.totalTokens()).isEqualTo(999);
    assertThat(ring.tokenCounts()).containsExactly(500, 499); // a-56, b-151 (id order)

    // A second real collision: murmur3("6610.0.0.151:9091") = murmur3("37610.0.0.228:9091") = 0x36a17359.
    Member m228 = new Member("0-228", "10.0.0.228", 9091);
    Ring three = Ring.build(DS, List.of(m228, m151, m56), 1);
    assertThat(three.lookup(0x36a17359L - 1)).isEqualTo(m228);
    assertThat(three.lookup(point - 1)).isEqualTo(m56);
    assertThat(three.totalTokens()).isEqualTo(1498);
  }

  @Test
  void insertionOrderIsByteWiseOnHostPortNotOnId() {
    // "127.0.0.10:9091" < "127.0.0.1:9091" since '0' (0x30) < ':' (0x3A): .1 is inserted last.
    Member one = new Member("x-first-by-id", "127.0.0.1", 9091);
    Member ten = new Member("y-last-by-id", "127.0.0.10", 9091);
    Ring ring = Ring.ofPoints(DS, List.of(one, ten), 1, m -> new long[] {1000, m == one ? 5000 : 7000});
    assertThat(ring.lookup(999)).as("shared point 1000").isEqualTo(one);
    assertThat(ring.lookup(4999)).isEqualTo(one);
    assertThat(ring.lookup(6999)).isEqualTo(ten);
    assertThat(ring.tokenCounts()).containsExactly(2, 1);
    assertThat(DS.insertionOrder().compare(ten, one)).isNegative();
  }

  @Test
  void aKeyOnAPointGoesToTheNextPointAndThePastTheLastWraps() {
    Ring ring = Ring.build(DS, fleet(3), 1);
    long[] points = ring.positions();
    assertThat(points).hasSize(1500).isSorted();
    Random random = new Random(3);
    for (int probe = 0; probe < 500; probe++) {
      int k = random.nextInt(points.length - 1);
      Member ownerOfNext = ring.lookup(points[k + 1] - 1);
      assertThat(ring.lookup(points[k])).as("hash equal to point %d", k).isEqualTo(ownerOfNext);
    }
    Member ownerOfFirst = ring.lookup(points[0] - 1);
    assertThat(ring.lookup(points[points.length - 1])).isEqualTo(ownerOfFirst);
    assertThat(ring.lookup(0xFFFF_FFFFL)).isEqualTo(ownerOfFirst);
    assertThat(ring.lookup(0)).isEqualTo(ownerOfFirst);
  }

  @Test
  void memberOrderDoesNotMatter() {
    List<Member> members = fleet(12);
    Ring sorted = Ring.build(DS, members, 1);
    List<Member> shuffled = new ArrayList<>(members);
    Collections.shuffle(shuffled, new Random(11));
    Ring other = Ring.build(DS, shuffled, 2);
    assertThat(other.positions()).isEqualTo(sorted.positions());
    assertThat(other.fingerprint()).isEqualTo(sorted.fingerprint());
    for (long h : RingFixtures.positions(DS, RingFixtures.keys(100_000))) {
      if (!sorted.lookup(h).equals(other.lookup(h))) throw new AssertionError("position " + h);
    }
  }

  @Test
  void memberStringIsHostColonPortWithoutBrackets() {
    Member v6 = new Member("pgw-v6", "::1", 9091);
    assertThat(DS.ringName(v6)).isEqualTo("::1:9091");
    assertThat(v6.address()).isEqualTo("[::1]:9091"); // where it is reached is another matter
    assertThat(DS.points(v6)[0]).isEqualTo(0xe2d49c55L); // murmur3("0::1:9091"), Python mmh3
  }

  @Test
  void twoIdsOnOneAddressShareItsPointsAndTheLaterIdOwnsThem() {
    // dynamic-sharding would see one node; we keep both members, deterministically.
    Member a = new Member("a", "10.0.0.1", 9091);
    Member b = new Member("b", "10.0.0.1", 9091);
    Ring ring = Ring.build(DS, List.of(b, a), 1);
    assertThat(ring.tokenCounts()).containsExactly(0, 500);
    assertThat(ring.lookup(12345)).isEqualTo(b);
  }

  @Test
  void keyPositionIsUnsignedMurmur3OfTheDecodedPathBytes() {
    byte[] path = "/metrics/job/foo".getBytes(StandardCharsets.UTF_8);
    long h = DS.hash(path);
    assertThat(h).isBetween(0L, 0xFFFF_FFFFL).isEqualTo(0xe860fb49L); // > 2^31: unsigned
    assertThat(DS.positionBits()).isEqualTo(32);
  }

  @Test
  void balanceOfTheCompatibilityModeIsWhatDynamicShardingGives() {
    for (int n : new int[] {10, 50}) {
      Ring ring = Ring.build(DS, fleet(n), 1);
      System.out.printf("dynamic-sharding n=%d: exact max/mean ownership %.4f, points min=%d max=%d%n",
          n, ring.maxOverMeanShare(), ring.minTokens(), ring.maxTokens());
      assertThat(ring.maxOverMeanShare()).isGreaterThan(1.0).isLessThan(1.5);
    }
  }

  @Test
  void injectedPointsFollowTheSameRules() {
    Member a = Member.ofAddress("10.0.0.1", 9091);
    Member b = Member.ofAddress("10.0.0.2", 9091);
    Ring ring = Ring.ofPoints(DS, List.of(b, a), 1, Map.of(a, new long[] {10, 30}, b, new long[] {20, 30, 40})::get);
    assertThat(ring.positions()).containsExactly(10, 20, 30, 40);
    assertThat(ring.lookup(25)).as("30 is shared: b inserted later").isEqualTo(b);
    assertThat(ring.lookup(10)).isEqualTo(b);
    assertThat(ring.lookup(9)).isEqualTo(a);
    assertThat(ring.lookup(40)).as("wrap").isEqualTo(a);
  }
}
