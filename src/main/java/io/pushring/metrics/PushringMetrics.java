package io.pushring.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pushring.bus.DiscoveryStatus;
import io.pushring.ring.Ring;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * pushring's meters on one Vert.x instance: the Prometheus registry behind {@code GET /metrics} and
 * the meters that several verticles share (discovery, registrations). {@code PushringApp} takes it
 * once ({@link #installedOn}) and hands it to the verticles that count something through their
 * constructors.
 *
 * <p>{@link #newVertx} creates a Vert.x whose own metrics (pools, HTTP clients, JVM, process) land in
 * the same registry, and leaves the registry with it (the LocalMap {@value #MAP}: the only way to
 * carry it from Vert.x creation to deployment). A Vert.x created otherwise (as most tests do) gets
 * pushring's meters in a registry of its own, without the Vert.x and JVM ones.
 */
public final class PushringMetrics implements Shareable {
  public static final String MAP = "pushring.metrics";
  private static final String KEY = "metrics";
  /** Each Vert.x its own registry name: vertx-micrometer keeps registries in a JVM-wide map by name. */
  private static final AtomicInteger REGISTRY_SEQ = new AtomicInteger();

  private final PrometheusMeterRegistry registry;
  private final Counter discoveryErrors;
  private final Counter registrationsOk;
  private final Counter registrationsFailed;

  private PushringMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    new FileDescriptorMetrics().bindTo(registry);
    this.discoveryErrors = Counter.builder("pushring.discovery.errors")
        .description("Consul health queries that failed (the last ring stays in service)")
        .register(registry);
    this.registrationsOk = registrations("success");
    this.registrationsFailed = registrations("failure");
  }

  private Counter registrations(String result) {
    return Counter.builder("pushring.registrations")
        .description("Pushgateway registrations sent to Consul by the registrar, by result")
        .tag("result", result)
        .register(registry);
  }

  /** A Vert.x with Micrometer metrics into a Prometheus registry that {@link #installedOn} then returns. */
  public static Vertx newVertx(VertxOptions options) {
    return newVertx(options, Transport.NIO);
  }

  /** The same on {@code transport} (Vert.x runs nio instead when it cannot run there). */
  public static Vertx newVertx(VertxOptions options, Transport transport) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName("pushring-" + REGISTRY_SEQ.incrementAndGet())
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        .setJvmMetricsEnabled(true)
        // Per-request and per-message metrics cost allocations on the hot path (tags per request)
        // and would count tap events; pushring_requests_total says what matters, with cached counters.
        // The HTTP client's too: in proxy mode it looked up (and re-registered) five meters per push,
        // ~12 % of the event loops' samples; pushring_proxy_duration_seconds{member} covers it.
        .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
        .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
        .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
        .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
        .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET);
    Vertx vertx = Vertx.builder()
        .with(options.setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .withTransport(transport)
        .build();
    map(vertx).putIfAbsent(KEY, new PushringMetrics(registry));
    return vertx;
  }

  /**
   * The metrics {@link #newVertx} left with this Vert.x, else new ones with a registry of their own
   * (kept, so a second deployment on the same Vert.x counts into the same registry). For the
   * composition root only; verticles receive the instance.
   */
  public static PushringMetrics installedOn(Vertx vertx) {
    LocalMap<String, PushringMetrics> map = map(vertx);
    PushringMetrics current = map.get(KEY);
    if (current != null) return current;
    PushringMetrics created = new PushringMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    PushringMetrics raced = map.putIfAbsent(KEY, created);
    return raced != null ? raced : created;
  }

  private static LocalMap<String, PushringMetrics> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }

  /**
   * Gauges of the ring and of discovery, read through {@code ring} and {@code status} at scrape time
   * (either may answer null before discovery reported). Idempotent: a meter registered twice is the
   * same meter.
   */
  public PushringMetrics bindRing(Supplier<Ring> ring, Supplier<DiscoveryStatus> status) {
    Gauge.builder("pushring.ring.members", ring, r -> ringValue(r, Ring::size))
        .description("Pushgateways in the current ring (the passing ones)")
        .strongReference(true).register(registry);
    Gauge.builder("pushring.ring.version", ring, r -> ringValue(r, Ring::version))
        .description("Version of the current ring; it grows by one per membership change")
        .strongReference(true).register(registry);
    Gauge.builder("pushring.discovery.last.success.timestamp", status, v -> {
          DiscoveryStatus s = v.get();
          return s == null || s.lastSuccessMillis() == 0 ? Double.NaN : s.lastSuccessMillis() / 1000.0;
        })
        .description("Unix time of the last successful discovery answer (NaN before the first)")
        .baseUnit("seconds").strongReference(true).register(registry);
    Gauge.builder("pushring.discovery.last.success.age", status, v -> {
          DiscoveryStatus s = v.get();
          return s == null || s.lastSuccessMillis() == 0
              ? Double.NaN : (System.currentTimeMillis() - s.lastSuccessMillis()) / 1000.0;
        })
        .description("Seconds since the last successful discovery answer (NaN before the first)")
        .baseUnit("seconds").strongReference(true).register(registry);
    Gauge.builder("pushring.discovery.stale", status, v -> {
          DiscoveryStatus s = v.get();
          return s == null || s.stale() ? 1 : 0;
        })
        .description("1 while discovery is starting or failing (routing continues on the last ring)")
        .strongReference(true).register(registry);
    return this;
  }

  /** {@code pushring_transport_info{transport="epoll"} 1}: the Netty transport this Vert.x runs on. Idempotent. */
  public PushringMetrics bindTransport(String transport) {
    Gauge.builder("pushring.transport.info", () -> 1)
        .description("The Netty transport pushring's sockets use (http.transport after fallbacks): epoll, io_uring or nio")
        .tag("transport", transport).strongReference(true).register(registry);
    return this;
  }

  private static double ringValue(Supplier<Ring> current, ToLongFunction<Ring> f) {
    Ring ring = current.get();
    return ring == null ? 0 : f.applyAsLong(ring);
  }

  public MeterRegistry registry() { return registry; }

  /** The Prometheus text exposition (format 0.0.4) of every meter. Not for the event loop: it walks all meters. */
  public String scrape() { return registry.scrape(); }

  /** One failed Consul query. */
  public void discoveryError() { discoveryErrors.increment(); }

  /** One registration sent to Consul, accepted or not. */
  public void registration(boolean ok) { (ok ? registrationsOk : registrationsFailed).increment(); }
}
