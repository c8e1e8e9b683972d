package io.pushring.bench;

import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the router does per push, step by step: parse the raw path into a grouping key, hash it,
 * look the owner up in a 100-member ring, and build the {@code Location}. Targets (issue 6): parse +
 * hash of a typical path ≤ 300 ns/op; the lookup itself ≤ 50 ns/op and 0 B/op (see {@link RingBench}).
 *
 * <p>{@code typical} is one realistic path, {@code /metrics/job/batch-etl/instance/<host:port>/env/prod/team@base64/<b64>};
 * {@code mixed} cycles through 1,024 paths like the ones {@code make bench} sends (3-6 labels in random
 * order, a quarter base64, some percent-encoded), so branch prediction cannot learn one shape.
 * Run: {@code make bench-jmh JMH_ARGS="PushPathBench -prof gc"}; each trial also prints a
 * {@code CPU-TIME} line (ns of thread CPU time per op), the robust figure on a shared machine.
 * The measurement iteration count must stay {@link #MEASURED} for that line (JMH's -i overrides it).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = PushPathBench.MEASURED, time = 2)
@Fork(1)
public class PushPathBench {
  static final int MEASURED = 5;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  static final String TYPICAL = "/metrics/job/batch-etl/instance/host-00042.eu-west-1.example.com%3A9100"
      + "/env/prod/team@base64/" + b64("payments");
  private static final int MIXED = 1024;

  @State(Scope.Thread)
  public static class Paths {
    @Param({"typical", "mixed", "reversed1000"})
    String paths;

    @Param({"GROUPING_KEY", "DYNAMIC_SHARDING"})
    Placement placement;

    String[] pool;
    int next;
    Ring ring;
    String baseUrl;
    /** Operations and this thread's CPU time per iteration: see {@link #cpuTime}. */
    long ops;
    long cpuAtStart;
    final List<Double> cpuNsPerOp = new ArrayList<>();

    @Setup
    public void setUp() {
      pool = paths.equals("typical") ? new String[] {TYPICAL}
          : paths.equals("reversed1000") ? new String[] {reversed(1000)} : mixed(MIXED, new Random(42));
      for (String p : pool) GroupingKeyParser.parse(p); // every path must be valid, or the bench lies
      List<Member> fleet = new ArrayList<>();
      for (int i = 0; i < 100; i++) fleet.add(Member.ofAddress("10.0.0." + (i + 1), 9091));
      ring = Ring.build(placement, fleet, 1);
      baseUrl = "http://10.0.0.1:9091";
    }

    String path() {
      ops++;
      String p = pool[next];
      next = next + 1 == pool.length ? 0 : next + 1;
      return p;
    }

    @Setup(Level.Iteration)
    public void startIteration() {
      ops = 0;
      cpuAtStart = THREADS.getCurrentThreadCpuTime();
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
      if (ops > 0) cpuNsPerOp.add((THREADS.getCurrentThreadCpuTime() - cpuAtStart) / (double) ops);
    }

    /**
     * JMH's score is wall time per op, which on a shared 2-core machine includes time the thread
     * was descheduled. The CPU time of the benchmark thread per op does not: printed per trial (the
     * measurement iterations only), it is the figure to compare with the targets on a busy machine.
     */
    @TearDown(Level.Trial)
    public void cpuTime() {
      List<Double> measured = new ArrayList<>(cpuNsPerOp.subList(Math.max(0, cpuNsPerOp.size() - MEASURED), cpuNsPerOp.size()));
      Collections.sort(measured);
      if (measured.isEmpty()) return;
      System.out.printf("%nCPU-TIME %s %s: median %.1f ns/op, min %.1f ns/op (thread CPU time, %d iterations)%n",
          paths, placement, measured.get(measured.size() / 2), measured.get(0), measured.size());
    }
  }

  @Benchmark
  public GroupingKey parse(Paths s) {
    return GroupingKeyParser.parse(s.path());
  }

  @Benchmark
  public long parseAndHash(Paths s) {
    return s.placement.hash(GroupingKeyParser.parse(s.path()));
  }

  /** parse + hash + lookup at 100 members: everything but the HTTP answer. */
  @Benchmark
  public Member route(Paths s) {
    return s.ring.route(GroupingKeyParser.parse(s.path()));
  }

  /** route + the Location string, as PushHandler builds it (RequestTargets: bytes a URI cannot carry encoded). */
  @Benchmark
  public String routeAndLocation(Paths s) {
    String path = s.path();
    Member owner = s.ring.route(GroupingKeyParser.parse(path));
    return owner == null ? null : io.pushring.key.RequestTargets.location(s.baseUrl, path, null);
  }

  /** A hostile but accepted path: 1,000 label pairs (the limit) in reverse name order. */
  static String reversed(int pairs) {
    StringBuilder p = new StringBuilder("/metrics/job/hostile");
    for (int i = pairs - 1; i >= 0; i--) p.append("/l").append(i).append("/v");
    return p.toString();
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String escape(String s) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
        out.append((char) c);
      } else {
        out.append('%').append(String.format("%02X", c));
      }
    }
    return out.toString();
  }

  /** Paths shaped like src/bench/push.lua's (same label names and kinds of values). */
  static String[] mixed(int n, Random random) {
    String[] jobs = {"node_textfile", "batch-etl", "backup", "cron_cleanup", "billing_report",
        "ci-pipeline", "ml_training", "db-vacuum", "log-rotate", "cert_renewal"};
    String[] envs = {"prod", "staging", "dev"};
    String[] regions = {"eu-west-1", "us-east-1", "ap-south-1", "eu-central-1"};
    String[] teams = {"payments", "search", "infra", "data", "mobile"};
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      List<String[]> labels = new ArrayList<>();
      labels.add(new String[] {"instance", String.format("host-%05d.%s.example.com:9100", i, regions[random.nextInt(4)])});
      labels.add(new String[] {"env", envs[random.nextInt(3)]});
      labels.add(new String[] {"team", teams[random.nextInt(5)]});
      if (random.nextBoolean()) labels.add(new String[] {"region", regions[random.nextInt(4)]});
      if (random.nextInt(5) == 0) labels.add(new String[] {"path", "/var/lib/backup/" + i + "/daily snapshot"});
      if (random.nextInt(10) == 0) labels.add(new String[] {"owner", "équipe data-" + i});
      Collections.shuffle(labels, random);
      String job = jobs[i % jobs.length];
      StringBuilder p = new StringBuilder("/metrics");
      p.append(random.nextInt(10) == 0 ? "/job@base64/" + b64(job) : "/job/" + job);
      for (String[] l : labels) {
        // A value with '/' must be base64: the Pushgateway decodes %2F before routing.
        if (random.nextInt(4) == 0 || l[1].indexOf('/') >= 0) p.append('/').append(l[0]).append("@base64/").append(b64(l[1]));
        else p.append('/').append(l[0]).append('/').append(escape(l[1]));
      }
      out[i] = p.toString();
    }
    return out;
  }
}
