package io.pushring.router;

import io.pushring.bus.RingChange;
import io.pushring.bus.RingPublisher;
import io.pushring.config.HostPort;
import io.pushring.config.PushringConfig;
import io.pushring.metrics.PushringMetrics;
import io.pushring.ring.Ring;
import io.pushring.tap.TapSwitch;
import io.pushring.web.WebGuard;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.shareddata.LocalMap;
import java.util.concurrent.TimeUnit;

/**
 * The operators' listener ({@code http.admin}): the status page, the JSON APIs, the tap, http_sd and
 * pushring's own /metrics, which the push port then answers 404. One instance, on an event loop of
 * its own (Vert.x hands each deployment the next one): a tap stream, a status page polling, a
 * Prometheus scrape never queue behind pushes on a router's event loop, nor pushes behind them.
 * Reads the ring from the same LocalMap as the routers, so it answers from the ring they route by.
 */
public final class AdminVerticle extends VerticleBase {
  private final PushringConfig config;
  private final PushringMetrics metrics;
  private final TapSwitch tap;
  private LocalMap<String, Ring> rings;
  private RoutingTable table = RoutingTable.none();
  private HttpServer server;
  /** {@code http.admin-web-config-file}: this listener's TLS, headers and users; null = plain HTTP, no auth. */
  private final WebGuard guard;

  /** @param guard the admin listener's web configuration, or null */
  public AdminVerticle(PushringConfig config, PushringMetrics metrics, TapSwitch tap, WebGuard guard) {
    if (!config.http().hasAdmin()) throw new IllegalArgumentException("http.admin is not set");
    this.guard = guard;
    this.config = config;
    this.metrics = metrics;
    this.tap = tap;
  }

  @Override
  public Future<?> start() {
    rings = RingPublisher.localMap(vertx);
    table();
    // The table's "since" (the ring's age in /api/v1/ring) is when this verticle took the ring: take each
    // new one when it is announced, not at the next operator request, which may come much later.
    vertx.eventBus().<RingChange>localConsumer(RingPublisher.ADDRESS, message -> table());
    var api = ApiRoutes.admin(vertx, this::table, RedirectPolicy.from(config), metrics, tap,
        config.reconcile().enabled());
    HostPort address = HostPort.parse(config.http().admin(), 0);
    HttpServerOptions options = RouterVerticle.serverOptions(config.http());
    if (guard == null) {
      server = vertx.createHttpServer(options).requestHandler(api);
    } else {
      // Every route (the probes too) behind this listener's own headers, TLS and users.
      server = vertx.createHttpServer(guard.current().applyTo(options)).requestHandler(req -> guard.handle(req, api));
    }
    server.invalidRequestHandler(PushHandler::invalidRequest);
    Future<HttpServer> listening = server.listen(address.port(), address.host());
    return guard == null ? listening : listening.onSuccess(guard::register);
  }

  @Override
  public Future<?> stop() {
    // Tap streams end on the connection's shutdown signal; the rest is short requests.
    if (guard != null && server != null) guard.unregister(server);
    return server == null ? Future.succeededFuture() : server.shutdown(RouterVerticle.DRAIN_SECONDS, TimeUnit.SECONDS);
  }

  /** The port actually bound (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The ring the routers route by; no former owners (the admin side only reads the ring). */
  private RoutingTable table() {
    Ring latest = rings.get(RingPublisher.KEY);
    if (latest != null && latest != table.ring() && (table.ring() == null || latest.version() > table.version())) {
      table = RoutingTable.of(latest, config.pushgateways().scheme());
    }
    return table;
  }
}
