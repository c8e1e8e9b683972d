package io.pushring;

import io.pushring.config.PushringConfig;
import io.pushring.config.PushringConfig.DiscoveryMode;
import io.pushring.discovery.ConsulDiscoveryVerticle;
import io.pushring.discovery.RingPublisher;
import io.pushring.discovery.StaticDiscoveryVerticle;
import io.pushring.metrics.PushringMetrics;
import io.pushring.registrar.RegistrarVerticle;
import io.pushring.router.RouterVerticle;
import io.pushring.tap.TapSwitch;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.VertxOptions;
import java.util.concurrent.atomic.AtomicReference;

/**
 * pushring's verticles deployed on a Vert.x instance: discovery first (so routers start with a
 * ring), then the routers. Used by {@link Pushring#main} and, in-process, by the tests.
 */
public final class PushringApp {
  private final Vertx vertx;
  private final PushringConfig config;
  private final int port;

  private PushringApp(Vertx vertx, PushringConfig config, int port) {
    this.vertx = vertx;
    this.config = config;
    this.port = port;
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

  public static Future<PushringApp> deploy(Vertx vertx, PushringConfig config) {
    RingPublisher.registerCodec(vertx);
    PushringMetrics metrics = PushringMetrics.of(vertx).bindRing(vertx);
    TapSwitch.install(vertx, config.tap().enabled(), metrics.registry());
    AtomicReference<RouterVerticle> first = new AtomicReference<>();
    int instances = routerInstances(config);
    Future<String> registrar = registers(config)
        ? vertx.deployVerticle(new RegistrarVerticle(config))
        : Future.succeededFuture("");
    return registrar
        .compose(registrarId -> vertx.deployVerticle(discovery(config)))
        .compose(discoveryId -> vertx.deployVerticle(() -> {
          RouterVerticle router = new RouterVerticle(config);
          first.compareAndSet(null, router);
          return router;
        }, new DeploymentOptions().setInstances(instances)))
        .map(routersId -> new PushringApp(vertx, config, first.get().actualPort()));
  }

  /** {@code router.instances}, where 0 means one per core (the event-loop count Vert.x defaults to is 2 per core). */
  static int routerInstances(PushringConfig config) {
    int configured = config.router().instances();
    return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
  }

  private static VerticleBase discovery(PushringConfig config) {
    return config.discovery().mode() == DiscoveryMode.STATIC
        ? new StaticDiscoveryVerticle(config)
        : new ConsulDiscoveryVerticle(config);
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
}
