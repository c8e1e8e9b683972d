package io.pushring.testing.consul;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent behind {@link ConsulTestServer}: one verticle, so the state, the check runners, the
 * reaper, the session TTL timers and the HTTP listener share one context and need no locks. The
 * listener can close and reopen on the same port with everything else kept (the "Consul outage"
 * scenario); meanwhile checks and the reaper pause, as they would with the agent process down.
 */
final class ConsulAgent extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ConsulAgent.class);

  private final ConsulTestServer.Options options;
  private final ConsulFaults faults;
  private final Map<String, HttpCheckRunner> runners = new HashMap<>();
  private final Map<String, Long> sessionTimers = new HashMap<>();
  private ConsulState state;
  private HttpClient checkHttp;
  private HttpServer server;
  private HttpServer httpsServer;
  private ConsulAcls acls;
  private int port;
  private int httpsPort = -1;
  private long reaper = -1;

  ConsulAgent(ConsulTestServer.Options options, ConsulFaults faults) {
    this.options = options;
    this.faults = faults;
  }

  @Override
  public Future<?> start() {
    state = new ConsulState(ConsulTestServer.NODE_NAME, System::nanoTime);
    state.onSessionGone(id -> {
      Long timer = sessionTimers.remove(id);
      if (timer != null) vertx.cancelTimer(timer);
    });
    // Consul's HTTP checks disable keep-alive "to prevent failing checks due to the keepalive interval"
    checkHttp = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    port = options.port();
    if (options.aclMasterToken() != null) acls = new ConsulAcls(options.aclMasterToken());
    return listen();
  }

  @Override
  public Future<?> stop() {
    return closeListener();
  }

  Future<Integer> listen() {
    if (server != null) return Future.succeededFuture(port);
    HttpServer candidate = vertx.createHttpServer(new HttpServerOptions().setReuseAddress(true));
    io.vertx.ext.web.Router router = new ConsulHttpApi(this).router(vertx);
    Future<HttpServer> https = Future.succeededFuture(null);
    if (options.tlsCertFile() != null) {
      // Consul's ports.https: the same API over TLS beside the plain port (the fixture's helpers use that one)
      HttpServerOptions tlsOptions = new HttpServerOptions().setReuseAddress(true).setSsl(true)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(options.tlsCertFile().toString())
              .setKeyPath(options.tlsKeyFile().toString()));
      if (options.clientCaFile() != null) {
        tlsOptions.setClientAuth(io.vertx.core.http.ClientAuth.REQUIRED)
            .setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(options.clientCaFile().toString()));
      }
      HttpServer tls = vertx.createHttpServer(tlsOptions);
      https = tls.requestHandler(router).listen(Math.max(httpsPort, 0), options.host());
    }
    return https.compose(h -> {
      httpsServer = h;
      if (h != null) httpsPort = h.actualPort();
      return candidate.requestHandler(router).listen(port, options.host());
    }).map(s -> {
      server = s;
      port = s.actualPort();
      runners.values().forEach(HttpCheckRunner::start);
      long period = Math.max(1, options.reapPeriod().toMillis());
      reaper = vertx.setPeriodic(period, t -> reap());
      return port;
    });
  }

  /** Closes the listener and its connections (blocked queries see the connection drop). */
  Future<Void> closeListener() {
    if (server == null) return Future.succeededFuture();
    HttpServer closing = server;
    HttpServer closingTls = httpsServer;
    server = null;
    httpsServer = null;
    pause();
    return closingTls == null ? closing.close() : Future.join(closing.close(), closingTls.close()).mapEmpty();
  }

  Context agentContext() {
    return context;
  }

  boolean listening() {
    return server != null;
  }

  int port() {
    return port;
  }

  int httpsPort() {
    return httpsPort;
  }

  /** Null when ACLs are off. */
  ConsulAcls acls() {
    return acls;
  }

  ConsulState state() {
    return state;
  }

  ConsulTestServer.Options options() {
    return options;
  }

  ConsulFaults faults() {
    return faults;
  }

  void register(ConsulState.Service service, List<ConsulState.CheckDef> checks) {
    ConsulState.Registered done = state.register(service, checks);
    done.removedCheckIds().forEach(this::stopRunner);
    for (ConsulState.CheckDef def : done.started()) {
      stopRunner(def.id());
      HttpCheckRunner runner = new HttpCheckRunner(vertx, checkHttp, def, state);
      runners.put(def.id(), runner);
      if (server != null) runner.start();
    }
  }

  boolean deregister(String serviceId) {
    List<String> removed = state.deregister(serviceId);
    if (removed == null) return false;
    removed.forEach(this::stopRunner);
    return true;
  }

  /**
   * (Re)arms a session's TTL timer: Consul's leader invalidates a session TTL x 2 after its last
   * create or renew ({@code structs.SessionTTLMultiplier}), never sooner than TTL.
   */
  void armSessionTimer(ConsulState.Session session) {
    if (session.ttl().isEmpty()) return;
    Duration ttl = GoDuration.parse(session.ttl());
    if (ttl.isZero()) return;
    Long old = sessionTimers.remove(session.id());
    if (old != null) vertx.cancelTimer(old);
    sessionTimers.put(session.id(), vertx.setTimer(Math.max(1, ttl.toMillis() * 2), t -> {
      sessionTimers.remove(session.id());
      state.destroySession(session.id());
    }));
  }

  private void stopRunner(String checkId) {
    HttpCheckRunner old = runners.remove(checkId);
    if (old != null) old.stop();
  }

  private void pause() {
    runners.values().forEach(HttpCheckRunner::stop);
    if (reaper >= 0) vertx.cancelTimer(reaper);
    reaper = -1;
  }

  /** Consul's reapServices: a service whose check stays critical past its timeout goes away. */
  private void reap() {
    for (String serviceId : state.reapable()) {
      LOG.info("ConsulTestServer: deregistering {} (critical longer than DeregisterCriticalServiceAfter)", serviceId);
      deregister(serviceId);
    }
  }
}
