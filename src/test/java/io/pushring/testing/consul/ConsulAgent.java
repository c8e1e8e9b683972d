package io.pushring.testing.consul;

import io.pushring.testing.consul.Catalog.CheckState;
import io.pushring.testing.consul.Catalog.RegisterResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent behind {@link ConsulTestServer}: one verticle, so the catalog, the check runners, the
 * reaper and the HTTP listener all live on one context and need no locks. The listener can be closed
 * and reopened on the same port while everything else is kept (the "Consul outage" scenario); while
 * closed, checks and the reaper are paused, as they would be with the agent process down.
 */
final class ConsulAgent extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ConsulAgent.class);

  private final ConsulTestServer.Options options;
  private final ConsulFaults faults;
  private final Map<String, CheckRunner> runners = new HashMap<>();
  private Catalog catalog;
  private ConsulJson.Node node;
  private HttpClient checkHttp;
  private NetClient checkTcp;
  private HttpServer server;
  private int port;
  private long reaperTimer = -1;
  private volatile String requiredToken;

  ConsulAgent(ConsulTestServer.Options options, ConsulFaults faults) {
    this.options = options;
    this.faults = faults;
  }

  @Override
  public Future<?> start() {
    catalog = new Catalog(options.initialIndex(), options.minDeregisterAfter(), System::nanoTime);
    node = new ConsulJson.Node(UUID.randomUUID().toString(), options.nodeName(), options.nodeAddress(),
        options.datacenter(), ConsulTestServer.VERSION);
    // Consul's HTTP checks disable keep-alive "to prevent failing checks due to the keepalive interval"
    checkHttp = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    checkTcp = vertx.createNetClient(new NetClientOptions());
    port = options.port();
    return listen();
  }

  @Override
  public Future<?> stop() {
    pause();
    return server == null ? Future.succeededFuture() : server.close();
  }

  // ---- lifecycle, on this context ----

  Future<Integer> listen() {
    if (server != null) {
      return Future.succeededFuture(port);
    }
    HttpServer candidate = vertx.createHttpServer(new HttpServerOptions().setReuseAddress(true));
    return candidate.requestHandler(new ConsulHttpApi(this).router(vertx))
        .listen(port, options.host())
        .map(s -> {
          server = s;
          port = s.actualPort();
          resume();
          return port;
        });
  }

  /** Closes the listener and its connections (blocked queries see the connection drop). */
  Future<Void> closeListener() {
    if (server == null) {
      return Future.succeededFuture();
    }
    HttpServer closing = server;
    server = null;
    pause();
    return closing.close();
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

  // ---- state used by the HTTP API ----

  Catalog catalog() {
    return catalog;
  }

  ConsulJson.Node node() {
    return node;
  }

  ConsulTestServer.Options options() {
    return options;
  }

  ConsulFaults faults() {
    return faults;
  }

  String requiredToken() {
    return requiredToken;
  }

  void requireToken(String token) {
    requiredToken = token == null || token.isEmpty() ? null : token;
  }

  void register(ServiceDefinition service, boolean replaceExistingChecks) {
    RegisterResult result = catalog.register(service, replaceExistingChecks);
    result.removedCheckIds().forEach(this::stopRunner);
    for (CheckState check : result.startedOrReplaced()) {
      stopRunner(check.checkId());
      CheckRunner runner = new CheckRunner(vertx, checkHttp, checkTcp, check.checkId(), check.definition(),
          options.minCheckInterval(), options.staggerFirstCheck(), catalog::updateCheck);
      runners.put(check.checkId(), runner);
      if (server != null) {
        runner.start();
      }
    }
  }

  /** Returns false if the ID is unknown. */
  boolean deregister(String serviceId) {
    List<String> removed = catalog.deregister(serviceId);
    if (removed == null) {
      return false;
    }
    removed.forEach(this::stopRunner);
    return true;
  }

  /** A TTL check update; returns false if the check is not a TTL check. */
  boolean ttlUpdate(String checkId, String status, String output) {
    CheckRunner runner = runners.get(checkId);
    if (runner == null || !runner.isTtl()) {
      return false;
    }
    runner.ttlUpdate(status, output);
    return true;
  }

  void resetIndex(long to) {
    catalog.resetIndex(to);
  }

  private void stopRunner(String checkId) {
    CheckRunner old = runners.remove(checkId);
    if (old != null) {
      old.stop();
    }
  }

  private void pause() {
    runners.values().forEach(CheckRunner::stop);
    if (reaperTimer >= 0) {
      vertx.cancelTimer(reaperTimer);
      reaperTimer = -1;
    }
  }

  private void resume() {
    runners.values().forEach(CheckRunner::start);
    long period = Math.max(1, options.reapPeriod().toMillis());
    reaperTimer = vertx.setPeriodic(period, period, t -> reap());
  }

  /** Consul's reapServices: a service whose check stays critical past its timeout goes away. */
  private void reap() {
    for (String serviceId : catalog.reapable()) {
      LOG.info("ConsulTestServer: deregistering {} (check critical longer than DeregisterCriticalServiceAfter)",
          serviceId);
      deregister(serviceId);
    }
  }
}
