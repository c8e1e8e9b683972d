package io.pushring;

import io.pushring.bus.DiscoveryStatus;
import io.pushring.bus.RingPublisher;
import io.pushring.config.PushringConfig;
import io.pushring.config.PushringConfig.DiscoveryMode;
import io.pushring.discovery.AdmissionWatchVerticle;
import io.pushring.consul.ConsulLink;
import io.pushring.discovery.ConsulDiscoveryVerticle;
import io.pushring.discovery.StaticDiscoveryVerticle;
import io.pushring.metrics.PushringMetrics;
import io.pushring.reconcile.ReconcilerVerticle;
import io.pushring.registrar.RegistrarVerticle;
import io.pushring.router.AdminVerticle;
import io.pushring.router.RouterVerticle;
import io.pushring.tap.TapHub;
import io.pushring.tap.TapSwitch;
import io.pushring.upstream.Upstream;
import io.pushring.web.WebConfigException;
import io.pushring.web.WebConfigVerticle;
import io.pushring.web.WebGuard;
import io.pushring.config.ConfigException;
import io.pushring.config.ConfigKey;
import io.pushring.config.ConfigKeys;
import java.nio.file.Path;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.VertxOptions;
import io.vertx.core.ThreadingModel;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: pushring's verticles deployed on a Vert.x instance, each handed what it
 * needs (configuration, metrics, the tap switch) through its constructor. Order: the tap hub (a
 * worker verticle, when the tap is enabled) and the registrar (Consul mode, when it has servers to
 * register; it does not wait for Consul), then discovery (it returns once it has a ring, or after a
 * bound), then the routers, so routers normally start with a ring.
 * Used by {@link Pushring#main} and, in-process, by the tests.
 */
public final class PushringApp {
  private static final Logger LOG = LoggerFactory.getLogger(PushringApp.class);
  private final Vertx vertx;
  private final PushringConfig config;
  private final int port;
  private final int adminPort;
  private final PushringMetrics metrics;
  private final TapSwitch tap;
  private final ReconcilerVerticle reconciler;
  private final WebGuard guard;

  private PushringApp(Vertx vertx, PushringConfig config, int port, int adminPort, PushringMetrics metrics,
      TapSwitch tap, ReconcilerVerticle reconciler, WebGuard guard) {
    this.guard = guard;
    this.vertx = vertx;
    this.config = config;
    this.port = port;
    this.adminPort = adminPort;
    this.metrics = metrics;
    this.tap = tap;
    this.reconciler = reconciler;
  }

  /**
   * The Vert.x pushring runs on: Micrometer metrics into the Prometheus registry that {@code GET /metrics}
   * serves (Vert.x pools, JVM, process and pushring's own meters). Tests that want those use it too.
   */
  public static Vertx newVertx() {
    return newVertx(new VertxOptions());
  }

  public static Vertx newVertx(VertxOptions options) {
    return PushringMetrics.newVertx(options);
  }

  /**
   * The Vert.x of {@link Pushring#main}: as {@link #newVertx()}, on the transport {@code http.transport}
   * asks for or the one it falls back to. Silent: {@link #logTransport} says which runs and why once the
   * configuration was accepted, so that a refused configuration stays the process's only line.
   */
  public static Vertx newVertx(PushringConfig config) {
    Transports.Choice choice = Transports.choose(config.http().transport(), Transports::probe);
    return PushringMetrics.newVertx(new VertxOptions(), Transports.vertxTransport(choice.name()));
  }

  /** One log line: the transport {@code vertx} runs and why another was not used. */
  public static void logTransport(Vertx vertx, PushringConfig config) {
    // Choosing again gives the same answer: Netty probes each native transport once per process.
    Transports.Choice choice = Transports.choose(config.http().transport(), Transports::probe);
    String running = Transports.inUse(vertx);
    if (!running.equals(choice.name())) {
      // Vert.x fell back on its own: the probe said yes, building the event loops said no.
      LOG.warn("transport {} (http.transport {}: Vert.x could not start {})", running,
          config.http().transport().configName(), choice.name());
    } else if (choice.reason().isEmpty() || config.http().transport() == PushringConfig.Transport.AUTO) {
      LOG.info(choice.describe());   // auto: a candidate this host lacks is expected, not a fault
    } else {
      LOG.warn(choice.describe());   // the operator asked for a transport that does not run here
    }
  }

  /**
   * Fails with a {@link ConfigException} naming the key when a file of {@code pushgateways.tls.*} or the
   * fleet credential cannot be read, or when the web configuration ({@code http.web-config-file}) or a file
   * it names is refused (read on a worker thread), before anything listens.
   */
  public static Future<PushringApp> deploy(Vertx vertx, PushringConfig config) {
    return vertx.executeBlocking(() -> Upstream.load(vertx, config.pushgateways()))
        .compose(upstream -> webGuard(vertx, config.http().webConfigFile(), ConfigKeys.HTTP_WEB_CONFIG_FILE)
            .compose(guard -> webGuard(vertx, config.http().adminWebConfigFile(), ConfigKeys.HTTP_ADMIN_WEB_CONFIG_FILE)
                .compose(adminGuard -> {
                  upstream.watchCredential(vertx);
                  return deploy(vertx, config, upstream, guard, adminGuard);
                })));
  }

  /** The listener's web configuration loaded (file reads and a bcrypt: on a worker), its reload running; null without one. */
  private static Future<WebGuard> webGuard(Vertx vertx, String webConfig, ConfigKey<String> key) {
    if (webConfig.isEmpty()) return Future.succeededFuture(null);
    Path file = Path.of(webConfig);
    return vertx.executeBlocking(() -> {
      try {
        return WebConfigVerticle.load(file, vertx);
      } catch (WebConfigException e) {
        throw new ConfigException(key.path(), file + ": " + e.getMessage());
      }
    }).compose(guard -> vertx.deployVerticle(new WebConfigVerticle(guard)).map(id -> guard));
  }

  private static Future<PushringApp> deploy(Vertx vertx, PushringConfig config, Upstream upstream, WebGuard guard,
      WebGuard adminGuard) {
    RingPublisher.registerCodec(vertx);
    PushringMetrics metrics = PushringMetrics.installedOn(vertx)
        .bindRing(() -> RingPublisher.current(vertx), () -> DiscoveryStatus.current(vertx))
        .bindTransport(Transports.inUse(vertx));
    TapSwitch tap = new TapSwitch(vertx, config.tap().enabled(), config.tap().maxSubscribers(), metrics.registry());
    AtomicReference<RouterVerticle> first = new AtomicReference<>();
    int instances = routerInstances(config);
    // Consul mode: one link (TLS material, token) for every part that talks to Consul, read before any starts.
    // A file it names that cannot be used is a configuration error (exit 2), as for every other file.
    Future<ConsulLink> opened = config.discovery().mode() == DiscoveryMode.CONSUL
        ? ConsulLink.open(vertx, config).recover(PushringApp::asConfigError) : Future.succeededFuture(null);
    return opened.compose(link -> deploy(vertx, config, link, upstream, guard, adminGuard, metrics, tap, first,
        instances));
  }

  /**
   * The Consul link's file errors ({@code consul.tls.*}, {@code consul.token-file}) are one line that
   * starts with the key: "consul.tls.ca-file: cannot read /x (NoSuchFileException)".
   */
  private static <T> Future<T> asConfigError(Throwable e) {
    String message = e.getMessage();
    if (!(e instanceof IllegalStateException) || message == null || !message.startsWith("consul.")) {
      return Future.failedFuture(e);
    }
    int end = 0;
    while (end < message.length() && message.charAt(end) != ':' && message.charAt(end) != ' ') end++;
    String rest = message.substring(end).replaceFirst("^:?\\s*", "");
    return Future.failedFuture(new ConfigException(message.substring(0, end), rest));
  }

  private static Future<PushringApp> deploy(Vertx vertx, PushringConfig config, ConsulLink link, Upstream upstream,
      WebGuard guard, WebGuard adminGuard, PushringMetrics metrics, TapSwitch tap, AtomicReference<RouterVerticle> first,
      int instances) {
    AtomicReference<AdminVerticle> admin = new AtomicReference<>();
    Future<String> registrar = registers(config)
        ? vertx.deployVerticle(new RegistrarVerticle(config, link, metrics))
        : Future.succeededFuture("");
    // The tap's fan-out on a worker thread, the one consumer of event bus "pushring.tap": none of its work lands on a router's event loop.
    Future<String> tapHub = config.tap().enabled()
        ? vertx.deployVerticle(new TapHub(tap), new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER))
        : Future.succeededFuture("");
    return tapHub
        .compose(tapId -> registrar)
        .compose(registrarId -> vertx.deployVerticle(discovery(config, link, metrics)))
        .compose(discoveryId -> vertx.deployVerticle(() -> {
          RouterVerticle router = new RouterVerticle(config, metrics, tap, upstream, guard);
          first.compareAndSet(null, router);
          return router;
        }, new DeploymentOptions().setInstances(instances)))
        // The operators' listener (http.admin), one instance on its own event loop; none: the routers serve it all.
        .compose(routersId -> {
          if (!config.http().hasAdmin()) return Future.succeededFuture("");
          admin.set(new AdminVerticle(config, metrics, tap, adminGuard));
          return vertx.deployVerticle(admin.get());
        })
        .compose(routersId -> watchesAdmission(config)
            ? vertx.deployVerticle(new AdmissionWatchVerticle(config, link)) : Future.succeededFuture(""))
        .compose(watchId -> {
          // Off by default (reconcile.enabled): see README "Reconciler".
          if (!config.reconcile().enabled()) return Future.succeededFuture((ReconcilerVerticle) null);
          ReconcilerVerticle reconciler = new ReconcilerVerticle(config, link, metrics.registry(), first.get().actualPort(), tap, upstream);
          return vertx.deployVerticle(reconciler).map(id -> reconciler);
        })
        .map(reconciler -> new PushringApp(vertx, config, first.get().actualPort(),
            admin.get() == null ? 0 : admin.get().actualPort(), metrics, tap, reconciler, guard));
  }

  /** {@code router.instances}, where 0 means one per core (the event-loop count Vert.x defaults to is 2 per core). */
  static int routerInstances(PushringConfig config) {
    int configured = config.router().instances();
    return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
  }

  private static VerticleBase discovery(PushringConfig config, ConsulLink link, PushringMetrics metrics) {
    return config.discovery().mode() == DiscoveryMode.STATIC
        ? new StaticDiscoveryVerticle(config)
        : new ConsulDiscoveryVerticle(config, link, metrics);
  }

  /**
   * Consul mode with the reconciler on: every instance watches the admitted set the reconciling one
   * publishes in Consul KV, so /sd/pushgateways answers alike everywhere (static mode: the reconciling
   * instance's own LocalMap).
   */
  private static boolean watchesAdmission(PushringConfig config) {
    return config.discovery().mode() == DiscoveryMode.CONSUL && config.reconcile().enabled();
  }

  /** The registrar runs in Consul mode when asked to and given servers to register. */
  private static boolean registers(PushringConfig config) {
    return config.discovery().mode() == DiscoveryMode.CONSUL
        && config.pushgateways().register()
        && !config.pushgateways().servers().isEmpty();
  }

  public Vertx vertx() { return vertx; }

  public PushringConfig config() { return config; }

  /** The HTTP port the routers listen on. */
  public int port() { return port; }

  /** The port of the operators' listener ({@code http.admin}), 0 when there is none. */
  public int adminPort() { return adminPort; }

  /** The meters this deployment counts into (tests read them). */
  public PushringMetrics metrics() { return metrics; }

  /** The tap switch the routers and {@code /api/v1/tap} share (tests read its counts). */
  public TapSwitch tap() { return tap; }

  /** Whether the listener speaks TLS (its web configuration has a tls_server_config). */
  public boolean tls() { return guard != null && guard.current().tls(); }

  /** The listener's web configuration in force, or null without {@code http.web-config-file}. */
  public WebGuard webGuard() { return guard; }

  /** The reconciler, or null when {@code reconcile.enabled} is false (tests read its reports). */
  public ReconcilerVerticle reconciler() { return reconciler; }
}
