package io.pushring.ring;

import static io.pushring.ring.RingFixtures.canonical;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.hash.Murmur3;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of our own usage. The hash output and the derivation of owners are a compatibility
 * contract between pushring instances and versions (cf. Prometheus' relabel hashmod, which keeps
 * using the last 8 bytes of md5 "to give the same result as earlier versions"): two instances of
 * different versions behind one load balancer must route every key to the same Pushgateway. If a
 * test here fails, the change moves users' data: revert it, or ship it as a new placement mode.
 *
 * <p>Expected values were computed independently of this code base, from the written rules in
 * {@link Placement}, with Python: {@code xxhash} 4.0.1 (the reference C library) and {@code mmh3}
 * 5.3.0 (Appleby's C code), e.g. for grouping-key owners:
 * <pre>
 * fmix64 = lambda k: ...                      # MurmurHash3's 64-bit finalizer
 * slot   = xxh64(canonical) >> 44
 * owner  = max(sorted(ids), key=lambda id: fmix64(xxh64(id) ^ fmix64(slot)))   # ties: later id
 * </pre>
 * and for dynamic-sharding a 10-line transcription of dynamic-sharding's consistent.go (dict of
 * {@code mmh3(str(i) + "host:port")} over byte-sorted members, later overwrite, bisect_right, wrap).
 * The fingerprints alone are frozen from this implementation.
 */
class PlacementGoldenTest {
  private static final byte[][] KEYS = {
    canonical("instance", "host-123", "job", "batch-7"),
    canonical("job", "node"),
    canonical("instance", "", "job", "x"),
    concat(canonical("instance"), new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}, canonical("job", "bin")),
    canonical("env", "prod", "instance", "10.1.2.3:9100", "job", "backup"),
  };

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) out.write(p, 0, p.length);
    return out.toByteArray();
  }

  @Test
  void canonicalKeyFixtureHasTheRawSeparatorBytes() {
    assertThat(KEYS[0]).isEqualTo("instance\u00FFhost-123\u00FFjob\u00FFbatch-7".getBytes(ISO_8859_1));
    assertThat(KEYS[3]).isEqualTo("instance\u00FF\u00FF\u00FFjob\u00FFbin".getBytes(ISO_8859_1)); // value = one 0xFF byte
  }

  @Test
  void groupingKeyPositions() {
    long[] expected = {0x946aea9bbfd9d684L, 0xbe8618ba510bde56L, 0x650833785fd5c28cL, 0x11658708f8662d6aL, 0x3f3a253b2df7af52L};
    for (int i = 0; i < KEYS.length; i++) assertThat(Placement.GROUPING_KEY.hash(KEYS[i])).as("key %d", i).isEqualTo(expected[i]);
  }

  @Test
  void groupingKeyMemberKeysAndScores() {
    assertThat(Placement.memberKey(Member.ofAddress("10.0.0.1", 9091))).isEqualTo(0x455582bb8158da96L);
    assertThat(Placement.memberKey(Member.ofAddress("10.0.0.2", 9091))).isEqualTo(0x5166512c2793340dL);
    assertThat(Placement.memberKey(new Member("pgw-c", "10.0.0.3", 9091))).isEqualTo(0xe7370397631aa88aL);
    assertThat(Murmur3.fmix64(1)).isEqualTo(0xb456bcfc34c2cb2cL);
    assertThat(Murmur3.fmix64(2)).isEqualTo(0x3abf2a20650683e7L);
    long key = 0x455582bb8158da96L;
    assertThat(SlotTable.score(key, 0)).isEqualTo(0x42dbe8607076c1c7L);
    assertThat(SlotTable.score(key, 1)).isEqualTo(0x2debabe7839b5f37L);
    assertThat(SlotTable.score(key, (1 << 20) - 1)).isEqualTo(0x1cdcaf77b2518da0L);
  }

  private static Ring goldenGroupingKeyRing() {
    return Ring.build(Placement.GROUPING_KEY, List.of(
        new Member("pgw-c", "10.0.0.3", 9091), Member.ofAddress("10.0.0.2", 9091), Member.ofAddress("10.0.0.1", 9091)), 1);
  }

  @Test
  void groupingKeyOwners() {
    Ring ring = goldenGroupingKeyRing();
    String[] expected = {"10.0.0.1_9091", "10.0.0.1_9091", "10.0.0.2_9091", "10.0.0.2_9091", "10.0.0.2_9091"};
    for (int i = 0; i < KEYS.length; i++) {
      assertThat(ring.lookup(Placement.GROUPING_KEY.hash(KEYS[i])).id()).as("key %d", i).isEqualTo(expected[i]);
    }
    int[] generated = {2, 1, 2, 1, 2, 0, 2, 0, 2, 2, 1, 2, 1, 0, 1, 0, 1, 2, 0, 2, 1, 1, 1, 1};
    for (int i = 0; i < generated.length; i++) {
      byte[] key = canonical("instance", "host-" + i, "job", "batch-" + (i % 7));
      assertThat(ring.lookup(Placement.GROUPING_KEY.hash(key))).as("host-%d", i).isEqualTo(ring.members().get(generated[i]));
    }
    assertThat(ring.tokenCounts()).containsExactly(350026, 348629, 349921);
    assertThat(ring.fingerprint()).isEqualTo(GK_FINGERPRINT);
  }

  @Test
  void dynamicShardingPositionsAndPoints() {
    String[] paths = {"/metrics/job/foo", "/metrics/job/foo/instance/bar", "/metrics/job/x//y/", "/metrics/job/with+plus/k/a/b"};
    long[] expected = {0xe860fb49L, 0x499f77f8L, 0x83d0ef80L, 0x61daf54dL};
    for (int i = 0; i < paths.length; i++) {
      assertThat(Placement.DYNAMIC_SHARDING.hash(paths[i].getBytes(UTF_8))).as(paths[i]).isEqualTo(expected[i]);
    }
    byte[] rawByte = concat("/metrics/job/a/b/".getBytes(UTF_8), new byte[] {(byte) 0xFF}); // a decoded %FF
    assertThat(Placement.DYNAMIC_SHARDING.hash(rawByte)).isEqualTo(0x23cb37b3L);
    long[] points = Placement.DYNAMIC_SHARDING.points(Member.ofAddress("10.0.0.1", 9091));
    assertThat(points).hasSize(500);
    assertThat(points[0]).isEqualTo(0x8bc319e1L); // murmur3("010.0.0.1:9091")
    assertThat(points[1]).isEqualTo(0x08e54863L); // murmur3("110.0.0.1:9091")
    assertThat(points[499]).isEqualTo(0x614bea03L); // murmur3("49910.0.0.1:9091")
  }

  @Test
  void dynamicShardingOwners() {
    Ring ring = Ring.build(Placement.DYNAMIC_SHARDING, List.of(
        Member.ofAddress("10.0.0.1", 9091), Member.ofAddress("10.0.0.2", 9091), Member.ofAddress("10.0.0.10", 9091)), 1);
    String[] paths = {"/metrics/job/foo", "/metrics/job/foo/instance/bar", "/metrics/job/x//y/", "/metrics/job/with+plus/k/a/b"};
    String[] expected = {"10.0.0.2:9091", "10.0.0.2:9091", "10.0.0.1:9091", "10.0.0.1:9091"};
    for (int i = 0; i < paths.length; i++) {
      assertThat(ring.lookup(Placement.DYNAMIC_SHARDING.hash(paths[i].getBytes(UTF_8))).address()).as(paths[i]).isEqualTo(expected[i]);
    }
    String[] addresses = {"10.0.0.1:9091", "10.0.0.2:9091", "10.0.0.10:9091"};
    int[] generated = {2, 2, 2, 1, 2, 2, 2, 2, 1, 0, 1, 0, 0, 2, 0, 0, 0, 1, 0, 1};
    for (int i = 0; i < generated.length; i++) {
      byte[] path = ("/metrics/job/batch-" + (i % 7) + "/instance/host-" + i).getBytes(UTF_8);
      assertThat(ring.lookup(Placement.DYNAMIC_SHARDING.hash(path)).address()).as("host-%d", i).isEqualTo(addresses[generated[i]]);
    }
    assertThat(ring.fingerprint()).isEqualTo(DS_FINGERPRINT);
  }

  private static final String GK_FINGERPRINT = "39813126182cceb3";
  private static final String DS_FINGERPRINT = "1470bae1c4bb67aa";
}
