package io.pushring.router;

import io.pushring.bus.RingHistory;
import io.pushring.bus.RingPublisher;
import io.pushring.config.PushringConfig;
import io.pushring.bus.GroupWriteGuard;
import io.pushring.metrics.HandoverMeters;
import io.pushring.metrics.PushringMetrics;
import io.pushring.metrics.RequestMetrics;
import io.pushring.proxy.GroupDeleter;
import io.pushring.proxy.ProxyForwarder;
import io.pushring.upstream.Upstream;
import io.pushring.proxy.ProxySettings;
import io.pushring.ring.FormerOwners;
import io.pushring.ring.Ring;
import io.pushring.tap.TapSwitch;
import io.pushring.web.WebGuard;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;

/**
 * The router: {@code router.instances} instances (default one per core), all sharing one listening
 * port. Each instance keeps its own {@link RoutingTable}, rebuilt when the ring in the LocalMap is no
 * longer the one it was built from (checked by reference on each request); only this instance's
 * event loop touches it.
 */
public final class RouterVerticle extends VerticleBase {
  /** How long SIGTERM waits for requests in flight before closing connections. */
  static final long DRAIN_SECONDS = 10;

  private final RouterOptions options;
  private final RedirectPolicy policy;
  private final ProxySettings proxySettings;
  private final int accessLogEvery;
  private final PushringMetrics metrics;
  private final TapSwitch tap;
  private final PushringConfig.Http http;
  private final PushringConfig.Handover handoverConfig;
  private RoutingTable table = RoutingTable.none();
  private LocalMap<String, Ring> rings;
  private HttpServer server;
  private ProxyForwarder proxy;
  private GroupDeleter deleter;
  private final Upstream upstream;
  private long expiryTimer = -1;
  private final ConnectionDrain drain = new ConnectionDrain();
  /** The web configuration's TLS, headers and users; null without one (nothing in front of the routes then). */
  private final WebGuard guard;

  /** reconcile.enabled: /sd/pushgateways lists the admitted members, else every ring member. */
  private final boolean admissionEnabled;

  public RouterVerticle(PushringConfig config, PushringMetrics metrics, TapSwitch tap, Upstream upstream) {
    this(config, metrics, tap, upstream, null);
  }

  /** @param guard the listener's web configuration ({@code http.web-config-file}), or null */
  public RouterVerticle(PushringConfig config, PushringMetrics metrics, TapSwitch tap, Upstream upstream, WebGuard guard) {
    this.upstream = upstream;
    this.guard = guard;
    this.metrics = metrics;
    this.tap = tap;
    this.options = RouterOptions.from(config);
    this.policy = RedirectPolicy.from(config);
    this.proxySettings = ProxySettings.from(config);
    this.accessLogEvery = config.accessLog().every();
    this.admissionEnabled = config.reconcile().enabled();
    this.http = config.http();
    this.handoverConfig = config.router().handover();
  }

  @Override
  public Future<?> start() {
    RouteObserver observer = new RouteObserver(new RequestMetrics(metrics.registry()),
        tap, this::table, accessLogEvery);
    rings = RingPublisher.localMap(vertx);
    // Created on this verticle's event loop: its pooled connections stay there.
    proxy = policy.mayProxy() ? new ProxyForwarder(vertx, proxySettings, upstream) : null;
    deleter = new GroupDeleter(vertx, upstream, handoverConfig.timeout().toMillis());
    // A client write is marked for as long as it can take to land: the handover DELETEs, then the
    // proxied push (or a redirected client's own PUT, bounded by the same budget).
    long markHold = handoverConfig.timeout().toNanos() + proxySettings.timeoutMillis() * 1_000_000L;
    Handover handover = new Handover(deleter, new HandoverMeters(metrics.registry()), handoverConfig.maxKeys(),
        new FallbackRings(vertx), vertx, admissionEnabled ? GroupWriteGuard.of(vertx) : null, markHold,
        proxySettings.timeoutMillis() * 1_000_000L);
    PushHandler push = new PushHandler(this::table, options, observer, policy, proxy, handover);
    // With an admin listener, the operators' routes live there only (AdminVerticle): 404 here.
    Router api = ApiRoutes.create(vertx, this::table, push, metrics, tap, admissionEnabled, !http.hasAdmin());
    HttpServerOptions serverOptions = serverOptions(http);
    if (guard == null) {
      server = vertx.createHttpServer(serverOptions)
          .requestHandler(req -> {
            drain.request(req);
            if (PushHandler.isPushPath(req.path())) push.handle(req);
            else api.handle(req);
          });
    } else {
      // Every route behind the web configuration's headers and authentication.
      io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> routes = req -> {
        if (PushHandler.isPushPath(req.path())) push.handle(req);
        else api.handle(req);
      };
      server = vertx.createHttpServer(guard.current().applyTo(serverOptions))
          .requestHandler(req -> {
            drain.request(req);
            guard.handle(req, routes);
          });
    }
    server.invalidRequestHandler(PushHandler::invalidRequest);
    // No event-bus consumer: table() reads the LocalMap on every request, which is never behind.
    use(rings.get(RingPublisher.KEY));
    Future<HttpServer> listening = server.listen(options.port(), options.host());
    return guard == null ? listening : listening.onSuccess(guard::register);
  }

  @Override
  public Future<?> stop() {
    // Responses still to be written say Connection: close; then Vert.x closes idle connections at
    // once, sends GOAWAY on HTTP/2 ones, closes the others as their response ends (tap streams end
    // on the connection's shutdown signal), and whatever remains after DRAIN_SECONDS.
    drain.start();
    if (guard != null && server != null) guard.unregister(server);
    Future<Void> drained = server == null ? Future.succeededFuture() : server.shutdown(DRAIN_SECONDS, TimeUnit.SECONDS);
    Future<Void> closed = deleter == null ? drained : drained.eventually(deleter::close);
    return proxy == null ? closed : closed.eventually(proxy::close);
  }

  /** The port actually bound (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /**
   * The table for the ring discovery published last. One LocalMap read per request (a concurrent
   * hash-map get; a Shareable comes back as itself): a router is never behind the map, so every
   * instance and every router answers from the same ring as soon as it is published, without
   * waiting for the event-bus announcement.
   */
  private RoutingTable table() {
    Ring latest = rings.get(RingPublisher.KEY);
    if (latest != table.ring()) use(latest);
    return table;
  }

  private void use(Ring ring) {
    // Rings only move forward: an older ring put in the map late never replaces a newer one.
    if (ring != null && (table.ring() == null || ring.version() > table.version())) {
      table = RoutingTable.of(ring, options.memberScheme(), formerOwners(ring));
    }
  }

  /**
   * Who owned keys in the rings {@code ring} replaced within {@code router.handover-window}, from the
   * history discovery keeps next to the ring (written before the ring, so it is never behind it). A
   * timer takes each previous ring out when it ages out of the window, so a push in the steady state
   * pays one comparison and no clock read.
   */
  private FormerOwners formerOwners(Ring ring) {
    if (expiryTimer >= 0) vertx.cancelTimer(expiryTimer);
    expiryTimer = -1;
    long window = handoverConfig.window().toNanos();
    if (window == 0) return FormerOwners.none();
    long now = System.nanoTime();
    RingHistory history = RingPublisher.history(vertx);
    FormerOwners former = FormerOwners.of(ring, history.since(ring, now - window));
    if (!former.isEmpty()) {
      long expiresInMillis = Math.max(1, (history.oldestSince(now - window, now) + window - now) / 1_000_000 + 1);
      expiryTimer = vertx.setTimer(expiresInMillis, id -> {
        expiryTimer = -1;
        if (table.ring() == ring) table = table.withFormerOwners(formerOwners(ring));
      });
    }
    return former;
  }

  static HttpServerOptions serverOptions(PushringConfig.Http http) {
    return new HttpServerOptions()
        // Netty's idle handler sits behind the HTTP decoder, so it counts complete messages (request
        // heads, body chunks), not bytes: a client trickling header bytes is as idle as a silent
        // one, and is closed too, whether before its first request or between two.
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, http.idleTimeout().toMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        // Go's server (and so the Pushgateway) accepts request lines up to 1 MiB; so do we, or long
        // but valid grouping keys would get 414 here and 2xx there.
        .setMaxInitialLineLength(1 << 20)
        .setTcpNoDelay(true)
        .setReuseAddress(true);
  }
}
