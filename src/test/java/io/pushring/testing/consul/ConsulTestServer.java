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
 * only what pushring, its reconciler and Prometheus's Consul SD call. It is not Consul: the suite runs
 * against a real agent whenever one is found ({@link ConsulFixture}); this double exists for machines
 * without one and for fault injection ({@link ConsulFaults}), which a real agent cannot do.
 *
 * <p><b>Implemented</b>, checked against Consul 1.4.0 by {@code ConsulContract} (the same tests
 * run against both):
 *
 * <ul>
 *   <li>{@code PUT /v1/agent/service/register} (HTTP checks only: interval, timeout, method,
 *       DeregisterCriticalServiceAfter; a check keeps its status across re-registration), {@code PUT
 *       /v1/agent/service/deregister/<id>}, {@code GET /v1/agent/services}, {@code /v1/agent/self};
 *   <li>{@code GET /v1/health/service/<name>} ({@code passing}, {@code dc}), {@code
 *       /v1/catalog/services}, {@code /v1/status/leader};
 *   <li>sessions: {@code PUT /v1/session/create} (Name, Node, Checks, LockDelay, Behavior, TTL with
 *       Consul's bounds and messages), {@code renew}, {@code destroy}, {@code GET info}, {@code list};
 *       a session is invalidated on destroy, TTL x 2 after its last renew, or when one of its checks
 *       goes critical or away; its keys are then released (or deleted) and blocked for its lock-delay;
 *   <li>KV: {@code GET} (one key, {@code recurse}, {@code raw}; 404 for a missing key), {@code PUT}
 *       ({@code acquire}, {@code release}, {@code cas}, {@code flags}), {@code DELETE} ({@code
 *       recurse}, {@code cas});
 *   <li>blocking queries on all reads ({@code index}, {@code wait}: default 5m, max 10m, up to
 *       wait/16 jitter), woken only by writes to what they read; indexes are never 0.
 * </ul>
 *
 * <p><b>Differs from Consul</b> (README "Tests" lists what the contract test found): one node, no raft
 * or gossip (writes are visible at once); the critical-service reaper runs every {@link
 * Options#reapPeriod()} (1 s, Consul 30 s); deregistering an unknown service answers 404 as Consul
 * 1.11+ does (1.4.0 answers 200); no ACLs, no TTL/TCP/script checks, no KV {@code keys}/{@code
 * separator}, no transactions, events, prepared queries or Connect.
 *
 * <p>It runs on its own Vert.x instance, so a test's Vert.x can be closed independently; {@link
 * #stop()} and {@link #restart()} close and reopen the listener on the same port keeping all state.
 */
public final class ConsulTestServer implements AutoCloseable {
  /** What {@code /v1/agent/self} reports as Config.Version. */
  public static final String VERSION = "1.4.0-pushring-test-double";
  public static final String DATACENTER = "dc1";
  public static final String NODE_NAME = "pushring-test-consul";
  static final String NODE_ID = "5f0c4c3e-6c2a-4c6e-9d1e-000000000001";

  /**
   * Immutable settings; start from {@link #defaults()}. {@code aclMasterToken} null = ACLs off;
   * {@code tlsCertFile}/{@code tlsKeyFile} null = no HTTPS listener.
   */
  public record Options(String host, int port, Duration defaultWait, Duration minDeregisterAfter,
      Duration minCheckInterval, Duration reapPeriod, Duration sessionTtlMin, String aclMasterToken,
      java.nio.file.Path tlsCertFile, java.nio.file.Path tlsKeyFile, java.nio.file.Path clientCaFile) {
    /** Loopback, a free port, Consul's timings except the reaper (1 s); no ACLs, no HTTPS. */
    public static Options defaults() {
      return new Options("127.0.0.1", 0, Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofSeconds(1),
          Duration.ofSeconds(1), Duration.ofSeconds(10), null, null, null, null);
    }

    /** 0 picks a free port (the default). */
    public Options withPort(int value) {
      return new Options(host, value, defaultWait, minDeregisterAfter, minCheckInterval, reapPeriod, sessionTtlMin, aclMasterToken, tlsCertFile, tlsKeyFile, clientCaFile);
    }
    /** Blocking wait when the query names none (Consul: 5m). */
    public Options withDefaultWait(Duration value) {
      return new Options(host, port, value, minDeregisterAfter, minCheckInterval, reapPeriod, sessionTtlMin, aclMasterToken, tlsCertFile, tlsKeyFile, clientCaFile);
    }
    /** TEST-ONLY acceleration: lower the 1m floor Consul puts under DeregisterCriticalServiceAfter. */
    public Options withMinDeregisterAfter(Duration value) {
      return new Options(host, port, defaultWait, value, minCheckInterval, reapPeriod, sessionTtlMin, aclMasterToken, tlsCertFile, tlsKeyFile, clientCaFile);
    }
    /** TEST-ONLY acceleration: lower the 1s floor Consul puts under check intervals. */
    public Options withMinCheckInterval(Duration value) {
      return new Options(host, port, defaultWait, minDeregisterAfter, value, reapPeriod, sessionTtlMin, aclMasterToken, tlsCertFile, tlsKeyFile, clientCaFile);
    }
    /** How often the critical-service reaper runs (Consul: 30 s; default here 1 s). */
    public Options withReapPeriod(Duration value) {
      return new Options(host, port, defaultWait, minDeregisterAfter, minCheckInterval, value, sessionTtlMin, aclMasterToken, tlsCertFile, tlsKeyFile, clientCaFile);
    }
    /** Consul's {@code session_ttl_min} (default 10s); {@link ConsulBinary} starts its agent with 1s. */
    public Options withSessionTtlMin(Duration value) {
      return new Options(host, port, defaultWait, minDeregisterAfter, minCheckInterval, reapPeriod, value, aclMasterToken, tlsCertFile, tlsKeyFile, clientCaFile);
    }
    /** ACLs on with {@code default_policy = "deny"} and this master token ({@link ConsulAcls}). */
    public Options withAclMasterToken(String value) {
      return new Options(host, port, defaultWait, minDeregisterAfter, minCheckInterval, reapPeriod, sessionTtlMin, value, tlsCertFile, tlsKeyFile, clientCaFile);
    }

    /** An HTTPS listener too (a free port, {@link ConsulTestServer#httpsPort()}), serving this PEM pair. */
    public Options withTls(java.nio.file.Path certFile, java.nio.file.Path keyFile) {
      return new Options(host, port, defaultWait, minDeregisterAfter, minCheckInterval, reapPeriod, sessionTtlMin,
          aclMasterToken, certFile, keyFile, clientCaFile);
    }

    /** The HTTPS listener requires a client certificate signed by the CAs of this PEM file (Consul's verify_incoming_https). */
    public Options withClientCa(java.nio.file.Path caFile) {
      return new Options(host, port, defaultWait, minDeregisterAfter, minCheckInterval, reapPeriod, sessionTtlMin,
          aclMasterToken, tlsCertFile, tlsKeyFile, caFile);
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
      self[0].agent.state().resetIndex(to);
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

  /** The HTTPS port, or -1 without {@link Options#withTls}. */
  public int httpsPort() {
    return onContext(() -> Future.succeededFuture(agent.httpsPort()));
  }

  /** "host:port", what pushring's {@code consul.address} takes. */
  public String hostPort() {
    return host + ":" + port;
  }

  public ConsulFaults faults() {
    return faults;
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
    return onContext(() -> Future.succeededFuture(agent.state().index()));
  }

  /** IDs of every registered instance, sorted. */
  public List<String> serviceIds() {
    return onContext(() -> Future.succeededFuture(
        agent.state().services().stream().map(ConsulState.Service::id).sorted().toList()));
  }

  /** Current status of a check ("passing", "warning", "critical"), or null if unknown. */
  public String checkStatus(String checkId) {
    return onContext(() -> {
      ConsulState.Check state = agent.state().check(checkId);
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
