package io.pushring.ring;

import static io.pushring.ring.RingFixtures.keys;
import static io.pushring.ring.RingFixtures.positions;
import static io.pushring.ring.RingFixtures.randomFleet;

import java.util.Arrays;
import java.util.Random;
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
 * The time columns of the README table "Why slots and rendezvous": lookup of 2^20 distinct keys and
 * build, at 100 members, for each candidate of {@link PlacementMeasurementTest} (which asserts the
 * deterministic columns, balance and memory). Lives in the ring package for its package-private
 * tables; not part of the unit suite. Run: {@code make bench-jmh JMH_ARGS="PlacementCandidatesBench"}.
 */
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Thread)
public class PlacementCandidatesBench {
  @Param({"0", "1", "2", "3", "4"})
  int candidate;

  private Member[] byId;
  private LookupTable table;
  private long[] positions;
  private int next;

  @Setup
  public void setUp() {
    byId = randomFleet(new Random(1100), 100).toArray(new Member[0]);
    Arrays.sort(byId);
    table = PlacementMeasurementTest.candidates().get(candidate).build().apply(byId);
    positions = positions(Placement.GROUPING_KEY, keys(1 << 20));
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public int lookup() {
    return table.ownerOf(positions[next++ & (positions.length - 1)]);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public LookupTable build() {
    return PlacementMeasurementTest.candidates().get(candidate).build().apply(byId);
  }
}
