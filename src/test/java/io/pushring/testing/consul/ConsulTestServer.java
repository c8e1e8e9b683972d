package io.pushring.testing.consul;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A TEST DOUBLE of a single-node Consul agent (server mode, datacenter "dc1"), serving over real HTTP
 * the subset of the Consul API that pushring (through io.vertx:vertx-consul-client) and Prometheus
 * {@code consul_sd_configs} (through Consul's Go api package) use. It is not Consul and must never be
 * mistaken for one; it exists because this machine has neither a consul binary nor Docker.
 *
 * <p><b>Implemented</b> (wire formats checked against Consul's api-docs and agent source, and against
 * vertx-consul-client's parsers):
 *
 * <ul>
 *   <li>{@code PUT /v1/agent/service/register} (ID defaults to Name; re-registration replaces the
 *       instance and keeps the status of checks with the same CheckID; {@code
 *       ?replace-existing-checks}; Consul's 400 messages); {@code PUT
 *       /v1/agent/service/deregister/<id>} (404 "Unknown service ID ..." when unknown); {@code GET
 *       /v1/agent/services}, {@code /v1/agent/checks}, {@code /v1/agent/self}; TTL updates {@code
 *       PUT /v1/agent/check/pass|warn|fail|update/<id>};
 *   <li>{@code GET /v1/health/service/<name>} ({@code passing}, {@code tag} (repeatable), {@code
 *       node-meta}, {@code dc}, {@code index}, {@code wait}), {@code /v1/health/checks/<name>},
 *       {@code /v1/catalog/services}, {@code /v1/catalog/service/<name>}, {@code
 *       /v1/catalog/datacenters}, {@code /v1/status/leader}, {@code /v1/status/peers};
 *   <li>blocking queries per {@code features/blocking.mdx} and {@code blockingquery.Query}: hold
 *       while the index is {@code <=} the requested one; wait default 5m, max 10m, plus up to wait/16
 *       jitter; an index reset releases every blocked query; indexes are never 0;
 *   <li>HTTP, TCP and TTL checks executed for real ({@link CheckRunner}); initial status critical
 *       unless {@code Status} is given; a status change bumps the index and wakes blocked queries;
 *   <li>DeregisterCriticalServiceAfter, with Consul's 1 minute minimum by default;
 *   <li>one optional ACL token ({@link #requireToken(String)}): with it set, an unknown token gets 403
 *       "ACL not found", a missing one is the anonymous token under default-deny (writes and
 *       agent/self get 403 "Permission denied: anonymous token lacks permission ...", list reads
 *       answer 200 with empty results and {@code X-Consul-Results-Filtered-By-ACLs: true}, as Consul
 *       does).
 * </ul>
 *
 * <p><b>Where it differs from real Consul</b>: no raft, no gossip, no anti-entropy delay (the agent
 * and the catalog are the same state, updated synchronously); one node, one datacenter; the
 * critical-service reaper runs every {@link Options#reapPeriod()} (default 1 s) instead of Consul's
 * 30 s, so deregistration comes sooner after the timeout than with Consul; {@code filter}, {@code
 * near}, {@code stale}/{@code consistent}, {@code cached} and namespaces are accepted and ignored (no
 * filtering); only HTTP, TCP and TTL checks (others are rejected with 400); check output changes
 * without a status change are stored but do not bump the index (Consul defers them by {@code
 * check_update_interval}); no ACL system beyond one token; no KV, sessions, events, Connect. Test-only
 * accelerations, all off by default: {@link Options#withMinDeregisterAfter(Duration)} (Consul: 1m)
 * and {@link Options#withMinCheckInterval(Duration)} (Consul: 1s).
 *
 * <p>It runs on its own Vert.x instance, so a test's Vert.x can be closed independently; {@link
 * #stop()} and {@link #restart()} close and reopen the listener on the same port keeping every
 * registration and check status (checks and the reaper pause meanwhile).
 */
public final class ConsulTestServer implements AutoCloseable {
  /** What {@code /v1/agent/self} reports as Config.Version. */
  public static final String VERSION = "1.20.0-pushring-test-double";

  /** Immutable settings; start from {@link #defaults()}. */
  public static final class Options {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String DEFAULT_DATACENTER = "dc1";
    public static final String DEFAULT_NODE_NAME = "pushring-test-consul";
    public static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    /** Consul's {@code check_deregister_interval_min}. */
    public static final Duration DEFAULT_MIN_DEREGISTER_AFTER = Duration.ofMinutes(1);
    /** Consul's {@code checks.MinInterval}. */
    public static final Duration DEFAULT_MIN_CHECK_INTERVAL = Duration.ofSeconds(1);
    /** Consul reaps every 30 s; a second here keeps tests short (documented difference). */
    public static final Duration DEFAULT_REAP_PERIOD = Duration.ofSeconds(1);

    private final String host;
    private final int port;
    private final String datacenter;
    private final String nodeName;
    private final String nodeAddress;
    private final Duration defaultWait;
    private final boolean jitter;
    private final Duration minDeregisterAfter;
    private final Duration minCheckInterval;
    private final Duration reapPeriod;
    private final boolean staggerFirstCheck;
    private final long initialIndex;

    private Options(String host, int port, String datacenter, String nodeName, String nodeAddress,
        Duration defaultWait, boolean jitter, Duration minDeregisterAfter, Duration minCheckInterval,
        Duration reapPeriod, boolean staggerFirstCheck, long initialIndex) {
      this.host = host;
      this.port = port;
      this.datacenter = datacenter;
      this.nodeName = nodeName;
      this.nodeAddress = nodeAddress;
      this.defaultWait = defaultWait;
      this.jitter = jitter;
      this.minDeregisterAfter = minDeregisterAfter;
      this.minCheckInterval = minCheckInterval;
      this.reapPeriod = reapPeriod;
      this.staggerFirstCheck = staggerFirstCheck;
      this.initialIndex = initialIndex;
    }

    /** Loopback, a free port, dc1, Consul's timings. */
    public static Options defaults() {
      return new Options(DEFAULT_HOST, 0, DEFAULT_DATACENTER, DEFAULT_NODE_NAME, DEFAULT_HOST, DEFAULT_WAIT,
          true, DEFAULT_MIN_DEREGISTER_AFTER, DEFAULT_MIN_CHECK_INTERVAL, DEFAULT_REAP_PERIOD, true, 1);
    }

    public String host() { return host; }
    public int port() { return port; }
    public String datacenter() { return datacenter; }
    public String nodeName() { return nodeName; }
    public String nodeAddress() { return nodeAddress; }
    public Duration defaultWait() { return defaultWait; }
    public boolean jitter() { return jitter; }
    public Duration minDeregisterAfter() { return minDeregisterAfter; }
    public Duration minCheckInterval() { return minCheckInterval; }
    public Duration reapPeriod() { return reapPeriod; }
    public boolean staggerFirstCheck() { return staggerFirstCheck; }
    public long initialIndex() { return initialIndex; }

    /** 0 picks a free port (the default). */
    public Options withPort(int value) {
      return new Options(host, value, datacenter, nodeName, nodeAddress, defaultWait, jitter,
          minDeregisterAfter, minCheckInterval, reapPeriod, staggerFirstCheck, initialIndex);
    }

    public Options withDatacenter(String value) {
      return new Options(host, port, value, nodeName, nodeAddress, defaultWait, jitter,
          minDeregisterAfter, minCheckInterval, reapPeriod, staggerFirstCheck, initialIndex);
    }

    public Options withNodeName(String value) {
      return new Options(host, port, datacenter, value, nodeAddress, defaultWait, jitter,
          minDeregisterAfter, minCheckInterval, reapPeriod, staggerFirstCheck, initialIndex);
    }

    /** Blocking wait when the query names none (Consul: 5m). */
    public Options withDefaultWait(Duration value) {
      return new Options(host, port, datacenter, nodeName, nodeAddress, value, jitter,
          minDeregisterAfter, minCheckInterval, reapPeriod, staggerFirstCheck, initialIndex);
    }

    /** Whether blocking queries get Consul's extra random wait of up to wait/16 (default true). */
    public Options withJitter(boolean value) {
      return new Options(host, port, datacenter, nodeName, nodeAddress, defaultWait, value,
          minDeregisterAfter, minCheckInterval, reapPeriod, staggerFirstCheck, initialIndex);
    }

    /** TEST-ONLY acceleration: lower the 1m floor Consul puts under DeregisterCriticalServiceAfter. */
    public Options withMinDeregisterAfter(Duration value) {
      return new Options(host, port, datacenter, nodeName, nodeAddress, defaultWait, jitter,
          value, minCheckInterval, reapPeriod, staggerFirstCheck, initialIndex);
    }

    /** TEST-ONLY acceleration: lower the 1s floor Consul puts under check intervals. */
    public Options withMinCheckInterval(Duration value) {
      return new Options(host, port, datacenter, nodeName, nodeAddress, defaultWait, jitter,
          minDeregisterAfter, value, reapPeriod, staggerFirstCheck, initialIndex);
    }

    /** How often the critical-service reaper runs (Consul: 30 s; default here 1 s). */
    public Options withReapPeriod(Duration value) {
      return new Options(host, port, datacenter, nodeName, nodeAddress, defaultWait, jitter,
          minDeregisterAfter, minCheckInterval, value, staggerFirstCheck, initialIndex);
    }

    /** Whether a check's first run waits a random part of its interval, as Consul's (default true). */
    public Options withStaggerFirstCheck(boolean value) {
      return new Options(host, port, datacenter, nodeName, nodeAddress, defaultWait, jitter,
          minDeregisterAfter, minCheckInterval, reapPeriod, value, initialIndex);
    }

    /** The first raft index (at least 1). */
    public Options withInitialIndex(long value) {
      return new Options(host, port, datacenter, nodeName, nodeAddress, defaultWait, jitter,
          minDeregisterAfter, minCheckInterval, reapPeriod, staggerFirstCheck, value);
    }
  }

  private static final long SYNC_TIMEOUT_SECONDS = 10;

  private final Vertx vertx;
  private final ConsulAgent agent;
  private final ConsulFaults faults;
  private final Context context;
  private final String host;
  private final int port;

  private ConsulTestServer(Vertx vertx, ConsulAgent agent, ConsulFaults faults, Context context,
      String host, int port) {
    this.vertx = vertx;
    this.agent = agent;
    this.faults = faults;
    this.context = context;
    this.host = host;
    this.port = port;
  }

  /** Starts on a free loopback port with Consul's defaults. Blocks until it listens. */
  public static ConsulTestServer start() {
    return start(Options.defaults());
  }

  /** Starts with {@code options}. Blocks until it listens. Never call from an event loop. */
  public static ConsulTestServer start(Options options) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    ConsulTestServer[] self = new ConsulTestServer[1];
    // synchronous, so that a request sent after resetIndex() returns already sees the reset
    ConsulFaults faults = new ConsulFaults(to -> self[0].onContext(() -> {
      self[0].agent.resetIndex(to);
      return Future.succeededFuture();
    }));
    ConsulAgent agent = new ConsulAgent(options, faults);
    try {
      await(vertx.deployVerticle(agent));
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
    self[0] = new ConsulTestServer(vertx, agent, faults, agent.agentContext(), options.host(), agent.port());
    return self[0];
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** "host:port", what pushring's {@code consul.address} takes. */
  public String hostPort() {
    return host + ":" + port;
  }

  public ConsulFaults faults() {
    return faults;
  }

  /** Requires this ACL token from now on (null or "" turns ACLs off again). */
  public void requireToken(String token) {
    agent.requireToken(token);
  }

  /** Closes the listener and its connections; state is kept. Idempotent. */
  public void stop() {
    onContext(agent::closeListener);
  }

  /** Listens again on the same port, with the state it had; checks resume. */
  public void restart() {
    int again = onContext(agent::listen);
    if (again != port) {
      throw new IllegalStateException("restarted on " + again + " instead of " + port);
    }
  }

  public boolean isListening() {
    return onContext(() -> Future.succeededFuture(agent.listening()));
  }

  /** The current global raft index. */
  public long index() {
    return onContext(() -> Future.succeededFuture(agent.catalog().index()));
  }

  /** IDs of every registered instance, sorted. */
  public List<String> serviceIds() {
    return onContext(() -> Future.succeededFuture(
        agent.catalog().instances().stream().map(i -> i.service().id()).sorted().toList()));
  }

  /** Current status of a check ("passing", "warning", "critical"), or null if unknown. */
  public String checkStatus(String checkId) {
    return onContext(() -> {
      Catalog.CheckState state = agent.catalog().check(checkId);
      return Future.succeededFuture(state == null ? null : state.status());
    });
  }

  /** Stops the server and its Vert.x instance. */
  @Override
  public void close() {
    await(vertx.close());
  }

  private <T> T onContext(Supplier<Future<T>> action) {
    if (Vertx.currentContext() == context) {
      throw new IllegalStateException("blocking call on the ConsulTestServer's own context");
    }
    CompletableFuture<T> done = new CompletableFuture<>();
    context.runOnContext(v -> action.get().onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(ar.result());
      } else {
        done.completeExceptionally(ar.cause());
      }
    }));
    return join(done);
  }

  private static <T> T await(Future<T> future) {
    return join(future.toCompletionStage().toCompletableFuture());
  }

  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.get(SYNC_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("ConsulTestServer did not answer within " + SYNC_TIMEOUT_SECONDS + " s", e);
    }
  }
}
