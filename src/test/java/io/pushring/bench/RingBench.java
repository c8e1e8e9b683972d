package io.pushring.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hot-path costs of routing: ring lookup at 10 and 100 members for both placements, and the key
 * hashes; plus what a membership change costs (a full ring build, in ms; it runs on a worker). Run: {@code mvn -q test-compile exec:exec@bench -Djmh.args="RingBench -f 1"}; add
 * {@code -prof gc} for B/op (expected 0: lookups and hashes allocate nothing).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RingBench {
  /** 2^20 distinct groups: every lookup is a fresh, random position (the pessimistic case). */
  private static final int KEYS = 1 << 20;

  @State(Scope.Thread)
  public static class RingState {
    @Param({"10", "100"})
    int members;

    @Param({"GROUPING_KEY", "DYNAMIC_SHARDING"})
    Placement placement;

    Ring ring;
    long[] positions;
    int next;

    @Setup
    public void setUp() {
      List<Member> fleet = new ArrayList<>();
      for (int i = 0; i < members; i++) fleet.add(Member.ofAddress("10.0.0." + (i + 1), 9091));
      ring = Ring.build(placement, fleet, 1);
      positions = new long[KEYS];
      for (int i = 0; i < KEYS; i++) {
        byte[] input = placement == Placement.GROUPING_KEY
            ? canonical("instance", "host-" + (i % 10_007), "job", "batch-" + (i / 10_007))
            : ("/metrics/job/batch-" + (i / 10_007) + "/instance/host-" + (i % 10_007)).getBytes(UTF_8);
        positions[i] = placement.hash(input);
      }
    }
  }

  @State(Scope.Thread)
  public static class KeyState {
    byte[] canonicalKey = canonical("instance", "host-123", "job", "batch-7");
    byte[] decodedPath = "/metrics/job/batch-7/instance/host-123".getBytes(UTF_8);
  }

  @State(Scope.Thread)
  public static class FleetState {
    @Param({"10", "100"})
    int members;

    @Param({"GROUPING_KEY", "DYNAMIC_SHARDING"})
    Placement placement;

    List<Member> fleet;
    long version;

    @Setup
    public void setUp() {
      fleet = new ArrayList<>();
      for (int i = 0; i < members; i++) fleet.add(Member.ofAddress("10.0.0." + (i + 1), 9091));
    }
  }

  /** A ring from scratch (the first ring, or a restart); formerly a wall-clock bound in RingTest. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Ring build(FleetState s) {
    return Ring.build(s.placement, s.fleet, ++s.version);
  }

  @Benchmark
  public Member lookup(RingState s) {
    return s.ring.lookup(s.positions[s.next++ & (KEYS - 1)]);
  }

  /** XXH64 of {@code instance\xFFhost-123\xFFjob\xFFbatch-7} (34 bytes). */
  @Benchmark
  public long hashCanonicalKey(KeyState k) {
    return Placement.GROUPING_KEY.hash(k.canonicalKey);
  }

  /** MurmurHash3 x86_32 of {@code /metrics/job/batch-7/instance/host-123}. */
  @Benchmark
  public long hashDecodedPath(KeyState k) {
    return Placement.DYNAMIC_SHARDING.hash(k.decodedPath);
  }

  static byte[] canonical(String... nameValues) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < nameValues.length; i++) {
      if (i > 0) out.write(0xFF);
      byte[] b = nameValues[i].getBytes(UTF_8);
      out.write(b, 0, b.length);
    }
    return out.toByteArray();
  }
}
