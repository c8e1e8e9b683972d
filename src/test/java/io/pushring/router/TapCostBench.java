package io.pushring.router;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pushring.metrics.RequestMetrics;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.pushring.tap.TapHub;
import io.pushring.tap.TapStream;
import io.pushring.tap.TapSwitch;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.ContextInternal;
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
 * with one and with {@value #SUBSCRIBERS} idle subscribers (real {@code /api/v1/tap} streams on a real HTTP server
 * in this JVM, fanned out by a real {@link TapHub}, each filtering on a job no push has), and with
 * {@value #SUBSCRIBERS} readers of every event. The request is an in-memory stand-in (a proxy,
 * same cost in every case), so the handler figures are the router's CPU per push, no socket I/O.
 *
 * <p>Run: {@code make bench-jmh JMH_ARGS="TapCostBench -f 3 -prof gc"}, or {@link #main} for the
 * same-run comparison the README quotes. Lives next to PushHandler because the handler is
 * package-private; surefire ignores it (not a *Test).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(2)
@State(Scope.Thread)
public class TapCostBench {
  static final int SUBSCRIBERS = 1_000;

  @Param({"disabled", "idle", "one", "subscribers", "readers"})
  String tap;

  /**
   * steady: no ring change within router.handover-window (the handover check is one comparison);
   * window: the ring lost a member within the window, so every push also looks its key up in the
   * previous ring (none of these keys moved to a member still in the ring: no DELETE is sent).
   */
  @Param({"steady"})
  String handover = "steady";

  private Vertx vertx;
  private Vertx clients;
  private TapSwitch tapSwitch;
  private PushHandler handler;
  private HttpServerRequest[] requests;
  // A router runs on its event loop's context; the event bus looks the current one up on every
  // publish and, off any context, would create one per publish: a cost no router pays.
  private ContextInternal routerContext;
  private ContextInternal previousContext;
  private int next;
  private final Object[] lastHeader = new Object[1];

  @Setup(Level.Trial)
  public void setUp() {
    vertx = Vertx.vertx();
    List<Member> members = new ArrayList<>();
    for (int i = 1; i <= 10; i++) members.add(Member.ofAddress("10.0.0." + i, 9091));
    Ring ring = Ring.build(Placement.GROUPING_KEY, members, 1);
    List<Member> before = new ArrayList<>(members);
    before.add(Member.ofAddress("10.0.0.11", 9091));
    RoutingTable table = handover.equals("window")
        ? RoutingTable.of(ring, "http", io.pushring.ring.FormerOwners.of(ring, List.of(Ring.build(Placement.GROUPING_KEY, before, 0))))
        : RoutingTable.of(ring, "http");
    tapSwitch = new TapSwitch(vertx, !tap.equals("disabled"), 100_000, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    switch (tap) {
      case "one" -> subscribe(1, "?job=nobody");
      case "subscribers" -> subscribe(SUBSCRIBERS, "?job=nobody");
      case "readers" -> subscribe(SUBSCRIBERS, "");
      default -> { }
    }
    RouteObserver observer = new RouteObserver(new RequestMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)),
        tapSwitch, () -> table, 0);
    // Redirect mode: the members are not contacted.
    handler = new PushHandler(() -> table, new RouterOptions("127.0.0.1", 0, 307, "5", "http"), observer,
        new RedirectPolicy(io.pushring.config.PushringConfig.RouterMode.REDIRECT, List.of(), "http", 307), null,
        new Handover(new io.pushring.proxy.GroupDeleter(vertx, io.pushring.upstream.Upstream.plain(), 1000),
            new io.pushring.metrics.HandoverMeters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)), 1 << 18,
            new FallbackRings(vertx), vertx, null, 0, 0));
    HttpServerResponse response = response(lastHeader);
    routerContext = (ContextInternal) vertx.getOrCreateContext();
    requests = new HttpServerRequest[256];
    for (int i = 0; i < requests.length; i++) {
      requests[i] = request(HttpMethod.PUT, "/metrics/job/batch-" + (i % 16) + "/instance/host-" + i + ".example.org", response);
    }
  }

  /** {@code n} SSE streams from a second Vert.x (the clients) to this one's tap endpoint. */
  private void subscribe(int n, String query) {
    vertx.deployVerticle(new TapHub(tapSwitch), new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).await();
    io.vertx.ext.web.Router web = io.vertx.ext.web.Router.router(vertx);
    web.get("/api/v1/tap").handler(new TapStream(vertx, tapSwitch));
    int port = vertx.createHttpServer().requestHandler(web).listen(0, "127.0.0.1").await().actualPort();
    clients = Vertx.vertx();
    HttpClient client = clients.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(n));
    List<Future<?>> opened = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      opened.add(client.request(HttpMethod.GET, port, "127.0.0.1", "/api/v1/tap" + query)
          .compose(req -> req.send())
          .map(resp -> resp.handler(buf -> { })));
    }
    Future.all(opened).await();
    while (tapSwitch.subscribers() < n) Thread.onSpinWait();
  }

  @Setup(Level.Iteration)
  public void enterRouterContext() {
    previousContext = routerContext.beginDispatch();
  }

  @TearDown(Level.Iteration)
  public void leaveRouterContext() {
    routerContext.endDispatch(previousContext);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (clients != null) clients.close().await();
    vertx.close().await();
  }

  @Benchmark
  public Object push() {
    handler.handle(requests[next++ & (requests.length - 1)]);
    return lastHeader[0];
  }

  /**
   * The same comparison, robust to a shared, overloaded machine (JMH's wall-clock throughput swings
   * by tens of percent there): every variant in one JVM, measured in alternating slices, each
   * slice's rate in operations per second of this thread's CPU time (time descheduled does not
   * count). Prints the median rate of each variant, the median of the per-round ratios to "idle"
   * (tap enabled, no subscriber), and the CPU the other threads of the process (tap hub, event
   * loops, the subscribers' clients) spent per push in each variant.
   *
   * <p>Run: {@code mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
   * -Dmdep.includeScope=test && java -cp target/classes:target/test-classes:$(cat target/cp.txt)
   * io.pushring.router.TapCostBench 40 idle,one,subscribers} (arguments: rounds; variants, the
   * first the reference of the ratios; {@code idle/window} = tap idle, a ring change within
   * {@code router.handover-window}).
   */
  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    long sliceNanos = TimeUnit.MILLISECONDS.toNanos(250);
    String[] variants = args.length > 1 ? args[1].split(",") : new String[] {"idle", "one", "subscribers", "disabled", "readers"};
    TapCostBench[] benches = new TapCostBench[variants.length];
    for (int v = 0; v < variants.length; v++) {
      benches[v] = new TapCostBench();
      // "idle/window": tap idle, a ring change within the handover window
      String[] parts = variants[v].split("/");
      benches[v].tap = parts[0];
      if (parts.length > 1) benches[v].handover = parts[1];
      benches[v].setUp();
    }
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    for (int v = 0; v < variants.length; v++) {
      System.out.printf("%-11s %d subscribers after set-up%n", variants[v], benches[v].tapSwitch.subscribers());
    }
    long sink = 0;
    for (int w = 0; w < 10; w++) for (TapCostBench b : benches) sink += slice(b, sliceNanos, mx)[0];
    double[][] rates = new double[variants.length][rounds];
    double[][] others = new double[variants.length][rounds];
    double[][] ratios = new double[variants.length][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < variants.length; k++) {
        int v = (r + k) % variants.length; // rotate which variant goes first
        long[] opsCpuOthers = slice(benches[v], sliceNanos, mx);
        rates[v][r] = opsCpuOthers[0] / (opsCpuOthers[1] / 1e9);
        others[v][r] = (double) opsCpuOthers[2] / opsCpuOthers[0];
      }
      for (int v = 0; v < variants.length; v++) ratios[v][r] = rates[v][r] / rates[0][r];
    }
    for (int v = 0; v < variants.length; v++) {
      System.out.printf("%-11s %s%n", variants[v], benches[v].tapSwitch.subscribers() + " subscribers at the end, "
          + benches[v].tapSwitch.publishedCount() + " published, " + benches[v].tapSwitch.encodedCount() + " encodes, "
          + benches[v].tapSwitch.droppedCount() + " dropped, " + benches[v].tapSwitch.disconnectedCount() + " disconnected");
    }
    for (TapCostBench b : benches) b.tearDown();
    for (int v = 0; v < variants.length; v++) {
      System.out.printf("%-11s median %,.0f pushes/s per CPU-second of the router thread (p25 %,.0f, p75 %,.0f);"
          + " other threads %,.0f ns CPU per push; ratio to %s: median %.3f (p25 %.3f, p75 %.3f)%n",
          variants[v], median(rates[v], 2), median(rates[v], 1), median(rates[v], 3), median(others[v], 2),
          variants[0], median(ratios[v], 2), median(ratios[v], 1), median(ratios[v], 3));
    }
    System.out.printf("%d rounds of %d ms slices [sink %d]%n", rounds, sliceNanos / 1_000_000, sink & 1);
    System.exit(0);
  }

  /** Quartile {@code q} (1, 2 or 3) of {@code values}. */
  private static double median(double[] values, int q) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, q * sorted.length / 4)];
  }

  /** Runs {@code b} for about {@code nanos}: {operations, CPU ns of this thread, CPU ns of the other threads}. */
  private static long[] slice(TapCostBench b, long nanos, java.lang.management.ThreadMXBean mx) {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    ContextInternal previous = b.routerContext.beginDispatch();
    long ops = 0;
    long h = 0;
    long process0 = os.getProcessCpuTime();
    long cpu0 = mx.getCurrentThreadCpuTime();
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 1_000; i++) h += System.identityHashCode(b.push());
      ops += 1_000;
    }
    long cpu = mx.getCurrentThreadCpuTime() - cpu0;
    long process = os.getProcessCpuTime() - process0;
    b.routerContext.endDispatch(previous);
    return new long[] {ops + (h & 0), cpu, Math.max(0, process - cpu)};
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
