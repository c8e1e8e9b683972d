package io.pushring.ring;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** Realistic members and grouping keys for ring tests. */
final class RingFixtures {
  private RingFixtures() {}

  /**
   * A canonical grouping key as the Pushgateway builds it: {@code name 0xFF value 0xFF ...}, no
   * trailing separator (names are expected already sorted).
   */
  static byte[] canonical(String... nameValues) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < nameValues.length; i++) {
      if (i > 0) out.write(0xFF);
      byte[] b = nameValues[i].getBytes(UTF_8);
      out.write(b, 0, b.length);
    }
    return out.toByteArray();
  }

  /**
   * {@code count} distinct canonical keys shaped like real pushes: {@code instance\xFFhost-123\xFFjob\xFFbatch-7},
   * some with an extra {@code env} label.
   */
  static byte[][] keys(int count) {
    byte[][] keys = new byte[count][];
    for (int i = 0; i < count; i++) {
      String host = "host-" + (i % 10_007);
      String job = "batch-" + (i / 10_007);
      keys[i] = (i % 5 == 0)
          ? canonical("env", (i % 2 == 0) ? "prod" : "staging", "instance", host, "job", job)
          : canonical("instance", host, "job", job);
    }
    return keys;
  }

  /** Positions of the keys under a placement. */
  static long[] positions(Placement placement, byte[][] keys) {
    long[] h = new long[keys.length];
    for (int i = 0; i < keys.length; i++) h[i] = placement.hash(keys[i]);
    return h;
  }

  /** Pushgateways with Consul-style ids {@code <host>_<port>}: 10.0.0.1_9091, 10.0.0.2_9091, ... */
  static List<Member> fleet(int n) {
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < n; i++) members.add(Member.ofAddress("10.0." + (i / 250) + "." + (i % 250 + 1), 9091));
    return members;
  }

  /** A fleet of random addresses (seeded), for sweeps over many fleets. */
  static List<Member> randomFleet(Random random, int n) {
    Set<String> hosts = new LinkedHashSet<>();
    while (hosts.size() < n) hosts.add("10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256));
    List<Member> members = new ArrayList<>();
    for (String h : hosts) members.add(Member.ofAddress(h, 9091));
    return members;
  }

  /** Reference lookup by linear scan: owner index of the smallest point > h (unsigned), else of the smallest. */
  static int bruteForce(long[] points, int[] owners, long h) {
    int best = -1;
    int min = -1;
    for (int i = 0; i < points.length; i++) {
      if (min < 0 || Long.compareUnsigned(points[i], points[min]) < 0) min = i;
      if (Long.compareUnsigned(points[i], h) > 0 && (best < 0 || Long.compareUnsigned(points[i], points[best]) < 0)) best = i;
    }
    return owners[best >= 0 ? best : min];
  }

  /** Hits per member (members() order) for the given positions. */
  static int[] hits(Ring ring, long[] positions) {
    int[] hits = new int[ring.size()];
    java.util.Map<Member, Integer> index = new java.util.IdentityHashMap<>();
    for (Member m : ring.members()) index.put(m, index.size());
    for (long h : positions) hits[index.get(ring.lookup(h))]++;
    return hits;
  }

  static Member[] owners(Ring ring, long[] positions) {
    Member[] owners = new Member[positions.length];
    for (int i = 0; i < positions.length; i++) owners[i] = ring.lookup(positions[i]);
    return owners;
  }
}
