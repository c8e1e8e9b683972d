package io.pushring.router;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pushring.metrics.RequestMetrics;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.pushring.tap.TapSwitch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
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
 * What the tap costs the push handler: {@link PushHandler#handle} on a PUT (parse, ring lookup,
 * {@code Location}, request counter, observer) with the tap disabled, enabled with no subscriber,
 * and enabled with one subscriber (an event-bus consumer, so each push builds and publishes an event).
 * The request is an in-memory stand-in (a proxy, same cost in every case), so the figures are the
 * handler's CPU, no socket I/O. The acceptance bar: "idle" within 2% of "disabled".
 *
 * <p>Run: {@code make bench-jmh JMH_ARGS="TapCostBench -f 3 -prof gc"}. Lives next to PushHandler
 * because the handler is package-private; surefire ignores it (not a *Test).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(2)
@State(Scope.Thread)
public class TapCostBench {
  @Param({"disabled", "idle", "subscribed"})
  String tap;

  private Vertx vertx;
  private PushHandler handler;
  private HttpServerRequest[] requests;
  private int next;
  private final Object[] lastHeader = new Object[1];

  @Setup(Level.Trial)
  public void setUp() {
    vertx = Vertx.vertx();
    List<Member> members = new ArrayList<>();
    for (int i = 1; i <= 10; i++) members.add(Member.ofAddress("10.0.0." + i, 9091));
    Ring ring = Ring.build(Placement.GROUPING_KEY, members, 1);
    RoutingTable table = RoutingTable.of(ring, "http");
    io.pushring.bus.LocalCodec.register(vertx, io.pushring.tap.TapEvent.class);
    TapSwitch tapSwitch = new TapSwitch(!tap.equals("disabled"), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    if (tap.equals("subscribed")) {
      vertx.eventBus().localConsumer(TapSwitch.ADDRESS, m -> { }).completion().await();
      tapSwitch.subscribed();
    }
    RouteObserver observer = new RouteObserver(new RequestMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)),
        tapSwitch, vertx.eventBus(), () -> table, 0);
    // Redirect mode: the members are not contacted.
    handler = new PushHandler(() -> table, new RouterOptions("127.0.0.1", 0, 307, "5", "http"), observer,
        new RedirectPolicy(io.pushring.config.PushringConfig.RouterMode.REDIRECT, List.of(), "http", 307), null);
    HttpServerResponse response = response(lastHeader);
    requests = new HttpServerRequest[256];
    for (int i = 0; i < requests.length; i++) {
      requests[i] = request(HttpMethod.PUT, "/metrics/job/batch-" + (i % 16) + "/instance/host-" + i + ".example.org", response);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    vertx.close().await();
  }

  @Benchmark
  public Object push() {
    handler.handle(requests[next++ & (requests.length - 1)]);
    return lastHeader[0];
  }

  /**
   * The same comparison, robust to a shared, overloaded machine (JMH's wall-clock throughput swings
   * by tens of percent there): both handlers in one JVM, measured in alternating slices, each
   * slice's rate in operations per second of this thread's CPU time (time descheduled does not
   * count). Prints the median rate of each variant and the median of the per-round ratios.
   *
   * <p>Run: {@code mvn -q test-compile exec:exec -Dexec.executable=java
   * -Dexec.args="-cp %classpath io.pushring.router.TapCostBench 40"} (argument: rounds).
   */
  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    long sliceNanos = TimeUnit.MILLISECONDS.toNanos(250);
    String[] variants = {"disabled", "idle"};
    TapCostBench[] benches = new TapCostBench[variants.length];
    for (int v = 0; v < variants.length; v++) {
      benches[v] = new TapCostBench();
      benches[v].tap = variants[v];
      benches[v].setUp();
    }
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long sink = 0;
    for (int w = 0; w < 10; w++) for (TapCostBench b : benches) sink += slice(b, sliceNanos, mx)[0];
    double[][] rates = new double[variants.length][rounds];
    double[] ratios = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < variants.length; k++) {
        int v = (r + k) % variants.length; // alternate which variant goes first
        long[] opsAndCpu = slice(benches[v], sliceNanos, mx);
        rates[v][r] = opsAndCpu[0] / (opsAndCpu[1] / 1e9);
      }
      ratios[r] = rates[1][r] / rates[0][r];
    }
    for (TapCostBench b : benches) b.tearDown();
    for (int v = 0; v < variants.length; v++) {
      double[] sorted = rates[v].clone();
      java.util.Arrays.sort(sorted);
      System.out.printf("%-9s median %,.0f pushes/s per CPU-second (p25 %,.0f, p75 %,.0f)%n", variants[v],
          sorted[rounds / 2], sorted[rounds / 4], sorted[3 * rounds / 4]);
    }
    double[] sortedRatios = ratios.clone();
    java.util.Arrays.sort(sortedRatios);
    System.out.printf("idle/disabled: median %.4f (p25 %.4f, p75 %.4f) over %d rounds [sink %d]%n",
        sortedRatios[rounds / 2], sortedRatios[rounds / 4], sortedRatios[3 * rounds / 4], rounds, sink & 1);
  }

  /** Runs {@code b} for about {@code nanos}: {operations, CPU nanoseconds of this thread}. */
  private static long[] slice(TapCostBench b, long nanos, java.lang.management.ThreadMXBean mx) {
    long ops = 0;
    long h = 0;
    long cpu0 = mx.getCurrentThreadCpuTime();
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 1_000; i++) h += System.identityHashCode(b.push());
      ops += 1_000;
    }
    long cpu = mx.getCurrentThreadCpuTime() - cpu0;
    return new long[] {ops + (h & 0), cpu};
  }

  private static HttpServerRequest request(HttpMethod method, String path, HttpServerResponse response) {
    return (HttpServerRequest) Proxy.newProxyInstance(TapCostBench.class.getClassLoader(),
        new Class<?>[] {HttpServerRequest.class}, (proxy, m, args) -> switch (m.getName()) {
          case "method" -> method;
          case "path" -> path;
          case "uri" -> path;
          case "query" -> null;
          case "response" -> response;
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }

  private static HttpServerResponse response(Object[] lastHeader) {
    Future<Void> done = Future.succeededFuture();
    HttpServerResponse[] self = new HttpServerResponse[1];
    self[0] = (HttpServerResponse) Proxy.newProxyInstance(TapCostBench.class.getClassLoader(),
        new Class<?>[] {HttpServerResponse.class}, (proxy, m, args) -> switch (m.getName()) {
          case "setStatusCode" -> self[0];
          case "putHeader" -> {
            lastHeader[0] = args[1];
            yield self[0];
          }
          case "end" -> done;
          default -> throw new UnsupportedOperationException(m.getName());
        });
    return self[0];
  }
}
