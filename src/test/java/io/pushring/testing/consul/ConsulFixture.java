package io.pushring.testing.consul;

import io.pushring.testing.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.consul.ConsulContainer;

/**
 * The Consul that tests run against, picked from a chain and logged in one line:
 *
 * <ol>
 *   <li>{@code external}: the Consul named by env {@value #ENV} ({@code host:port}; token, if any, in
 *       {@value #TOKEN_ENV}). Set but unreachable is an error, not a fall-through;
 *   <li>{@code binary}: {@code consul agent -dev} from PATH on free ports ({@link ConsulBinary});
 *   <li>{@code testcontainers}: {@code hashicorp/consul:1.20}, only when Docker is available;
 *   <li>{@code in-repo}: {@link ConsulTestServer}, the test double.
 * </ol>
 *
 * Helpers go through the real HTTP API, so they behave the same on every kind. {@link #clean()}
 * deregisters what this fixture registered plus every agent service that appeared since it started
 * (so registrations made by the code under test go too), and leaves older services of a shared
 * external Consul alone.
 *
 * <p>Outages: {@link #stop()}/{@link #restart()} work for {@code in-repo} (same port, state kept)
 * and {@code binary} (same ports, dev mode: state LOST); {@code external} and {@code testcontainers}
 * cannot (a container restart changes the mapped port) and throw {@link
 * UnsupportedOperationException}. Tests guard with {@code assumeTrue(fixture.canRestart(),
 * fixture.restartUnsupportedReason())}.
 */
public final class ConsulFixture implements AutoCloseable {
  public static final String ENV = "PUSHRING_TEST_CONSUL";
  public static final String TOKEN_ENV = "PUSHRING_TEST_CONSUL_TOKEN";
  public static final String EXTERNAL = "external";
  public static final String BINARY = "binary";
  public static final String TESTCONTAINERS = "testcontainers";
  public static final String IN_REPO = "in-repo";
  public static final String IMAGE = "hashicorp/consul:1.20";

  private static final Logger LOG = LoggerFactory.getLogger(ConsulFixture.class);

  /** What differs per kind: where it is and whether it can go down and come back. */
  private interface Backend {
    String kind();

    String host();

    int port();

    /** The HTTPS port of a secured Consul, else -1. */
    default int httpsPort() {
      return -1;
    }

    default Optional<ConsulTestServer> server() {
      return Optional.empty();
    }

    /** null when stop/restart work. */
    String restartUnsupportedReason();

    default boolean keepsStateAcrossRestart() {
      return false;
    }

    default void stop() {
      throw new UnsupportedOperationException(restartUnsupportedReason());
    }

    default void restart() {
      throw new UnsupportedOperationException(restartUnsupportedReason());
    }

    void close();
  }

  private final Backend backend;
  private final ConsulHttp http;
  private final ConsulSecurity security;
  private final Set<String> preexisting;
  private final Set<String> registered = new LinkedHashSet<>();
  private int policies;

  private ConsulFixture(Backend backend, String token) {
    this(backend, token, ConsulSecurity.NONE);
  }

  private ConsulFixture(Backend backend, String token, ConsulSecurity security) {
    this.backend = backend;
    this.security = security;
    this.http = new ConsulHttp(backend.host(), backend.port(),
        security.aclMasterToken() != null ? security.aclMasterToken() : token);
    this.preexisting = Set.copyOf(agentServiceIds());
  }

  /**
   * The in-repo server's options that match a {@link ConsulBinary} agent: Consul's timings, with the
   * test agents' 1s {@code session_ttl_min}.
   */
  public static ConsulTestServer.Options inRepoDefaults() {
    return ConsulTestServer.Options.defaults()
        .withSessionTtlMin(Duration.ofSeconds(ConsulBinary.SESSION_TTL_MIN_SECONDS));
  }

  /** Picks per the chain; the in-repo server gets {@link #inRepoDefaults()}. */
  public static ConsulFixture start() {
    return start(inRepoDefaults());
  }

  /** Picks per the chain; {@code inRepoOptions} apply only if the chain ends at the in-repo server. */
  public static ConsulFixture start(ConsulTestServer.Options inRepoOptions) {
    String external = System.getenv(ENV);
    String token = System.getenv(TOKEN_ENV);
    if (external != null && !external.isBlank()) {
      ConsulFixture f = new ConsulFixture(external(external.trim()), token);
      LOG.info("Consul fixture: external Consul at {} (from {})", f.hostPort(), ENV);
      return f;
    }
    Optional<Path> binary = ConsulBinary.onPath();
    if (binary.isPresent()) {
      ConsulBinary agent = ConsulBinary.start(binary.get());
      ConsulFixture f = new ConsulFixture(binary(agent), null);
      LOG.info("Consul fixture: binary {} agent -dev at {} (pid {})", binary.get(), f.hostPort(), agent.pid());
      return f;
    }
    if (dockerAvailable()) {
      ConsulFixture f = new ConsulFixture(container(), null);
      LOG.info("Consul fixture: testcontainers {} at {}", IMAGE, f.hostPort());
      return f;
    }
    ConsulFixture f = inRepo(inRepoOptions);
    LOG.info("Consul fixture: in-repo ConsulTestServer (test double) at {}: no {}, no consul on PATH, no Docker",
        f.hostPort(), ENV);
    return f;
  }

  /**
   * A secured Consul ({@link ConsulSecurity}: ACLs and/or TLS) from the chain: {@code binary} and
   * {@code in-repo} can be configured so; an external Consul ({@value #ENV}) or a container cannot
   * (ours is not set up for it), and the test is skipped with that reason.
   */
  public static ConsulFixture start(ConsulTestServer.Options inRepoOptions, ConsulSecurity security) {
    String external = System.getenv(ENV);
    if (external != null && !external.isBlank()) {
      org.junit.jupiter.api.Assumptions.abort("the external Consul from " + ENV + " cannot be given the test's ACLs/TLS");
    }
    Optional<Path> binary = ConsulBinary.onPath();
    if (binary.isPresent()) {
      ConsulBinary agent = ConsulBinary.start(binary.get(), security);
      ConsulFixture f = new ConsulFixture(binary(agent), null, security);
      LOG.info("Consul fixture: binary {} agent -dev at {} (https {}, ACLs {}, pid {})", binary.get(), f.hostPort(),
          agent.httpsPort(), security.aclMasterToken() != null, agent.pid());
      return f;
    }
    if (dockerAvailable()) {
      org.junit.jupiter.api.Assumptions.abort("a secured Consul container is not set up by the fixture (yet): put consul on PATH");
    }
    ConsulFixture f = inRepo(inRepoOptions, security);
    LOG.info("Consul fixture: in-repo ConsulTestServer (test double) at {}, https {}, ACLs {}", f.hostPort(), f.httpsPort(),
        security.aclMasterToken() != null);
    return f;
  }

  /** The in-repo test double with {@code security}. */
  public static ConsulFixture inRepo(ConsulTestServer.Options options, ConsulSecurity security) {
    ConsulTestServer.Options o = options;
    if (security.aclMasterToken() != null) o = o.withAclMasterToken(security.aclMasterToken());
    if (security.certs() != null) o = o.withTls(security.certs().certFile(), security.certs().keyFile());
    if (security.requireClientCert()) o = o.withClientCa(security.certs().caFile());
    return new ConsulFixture(inRepoBackend(ConsulTestServer.start(o)), null, security);
  }

  /** Always the in-repo test double, e.g. for fault injection. */
  public static ConsulFixture inRepo(ConsulTestServer.Options options) {
    return new ConsulFixture(inRepoBackend(ConsulTestServer.start(options)), null);
  }

  public String kind() {
    return backend.kind();
  }

  public String host() {
    return backend.host();
  }

  public int port() {
    return backend.port();
  }

  public String hostPort() {
    return host() + ":" + port();
  }

  /** The HTTPS port of a Consul started with {@link ConsulSecurity#certs()}, else -1. */
  public int httpsPort() {
    return backend.httpsPort();
  }

  public ConsulSecurity security() {
    return security;
  }

  /** A token made with the master token: its secret (what clients send) and accessor (to revoke it). */
  public record AclToken(String secretId, String accessorId) {
    /** Never the secret: a token printed by a test must not show up in the logs the tests grep. */
    @Override
    public String toString() {
      return "AclToken[accessor " + accessorId + "]";
    }
  }

  /**
   * A policy of {@code rules} (HCL, Consul 1.4 syntax) and a token holding it, through
   * {@code PUT /v1/acl/policy} and {@code PUT /v1/acl/token} with the master token.
   */
  public AclToken createToken(String rules) {
    String name = "pushring-test-" + System.nanoTime() + "-" + (++policies);
    ConsulHttp.Reply policy = http.put("/v1/acl/policy", new JsonObject().put("Name", name).put("Rules", rules).encode());
    if (!policy.ok()) throw new IllegalStateException("acl policy: HTTP " + policy.status() + " " + policy.body());
    String id = new JsonObject(policy.body()).getString("ID");
    ConsulHttp.Reply token = http.put("/v1/acl/token", new JsonObject()
        .put("Description", name).put("Policies", new JsonArray().add(new JsonObject().put("ID", id))).encode());
    if (!token.ok()) throw new IllegalStateException("acl token: HTTP " + token.status() + " " + token.body());
    JsonObject t = new JsonObject(token.body());
    return new AclToken(t.getString("SecretID"), t.getString("AccessorID"));
  }

  /** Deletes the token: Consul refuses it from then on ("ACL not found"). */
  public void revokeToken(AclToken token) {
    ConsulHttp.Reply reply = http.delete("/v1/acl/token/" + token.accessorId());
    if (!reply.ok()) throw new IllegalStateException("acl token delete: HTTP " + reply.status() + " " + reply.body());
  }

  /** Present only for the in-repo server. */
  public Optional<ConsulFaults> faults() {
    return backend.server().map(ConsulTestServer::faults);
  }

  /** Present only for the in-repo server. */
  public Optional<ConsulTestServer> server() {
    return backend.server();
  }

  public boolean canRestart() {
    return backend.restartUnsupportedReason() == null;
  }

  /** Why stop/restart are unsupported, or null; fit for an assumption message. */
  public String restartUnsupportedReason() {
    return backend.restartUnsupportedReason();
  }

  /** True for the in-repo server; a dev-mode binary forgets everything. */
  public boolean keepsStateAcrossRestart() {
    return backend.keepsStateAcrossRestart();
  }

  /** Takes Consul down (connections refused); throws UnsupportedOperationException if it cannot. */
  public void stop() {
    backend.stop();
  }

  /** Brings Consul back on the same address; throws UnsupportedOperationException if it cannot. */
  public void restart() {
    backend.restart();
  }

  // ---- helpers over the HTTP API ----

  /** Registers a raw Consul service definition; fails with Consul's message on a non-200. */
  public void registerService(JsonObject definition) {
    String id = definition.getString("ID", definition.getString("Name"));
    ConsulHttp.Reply reply = http.put("/v1/agent/service/register", definition.encode());
    if (!reply.ok()) {
      throw new IllegalStateException("register " + id + ": HTTP " + reply.status() + " " + reply.body());
    }
    registered.add(id);
  }

  /** A service without checks: passing at once (only the node's serfHealth applies). */
  public void registerService(String id, String name, String address, int port) {
    registerService(definition(id, name, address, port));
  }

  /**
   * A service with an HTTP check on {@code checkUrl} every {@code interval} (Go duration);
   * {@code deregisterAfter} (Go duration) may be null.
   */
  public void registerService(String id, String name, String address, int port, String checkUrl,
      String interval, String deregisterAfter) {
    JsonObject check = new JsonObject().put("HTTP", checkUrl).put("Interval", interval).put("Timeout", "2s");
    if (deregisterAfter != null) {
      check.put("DeregisterCriticalServiceAfter", deregisterAfter);
    }
    registerService(definition(id, name, address, port).put("Check", check));
  }

  /** Returns false if Consul did not know the ID (404). */
  public boolean deregisterService(String id) {
    ConsulHttp.Reply reply = http.put("/v1/agent/service/deregister/" + encode(id), "");
    if (reply.status() == 404) {
      registered.remove(id);
      return false;
    }
    if (!reply.ok()) {
      throw new IllegalStateException("deregister " + id + ": HTTP " + reply.status() + " " + reply.body());
    }
    registered.remove(id);
    return true;
  }

  /** Sorted IDs of {@code service}'s instances whose every check passes ({@code ?passing}). */
  public List<String> passingServiceIds(String service) {
    return serviceIds(service, true);
  }

  /** Sorted IDs of all of {@code service}'s instances, whatever their health. */
  public List<String> allServiceIds(String service) {
    return serviceIds(service, false);
  }

  /** The X-Consul-Index of {@code /v1/health/service/<service>}. */
  public long healthIndex(String service) {
    return http.get("/v1/health/service/" + encode(service)).index();
  }

  /** Polls until the passing IDs equal {@code expected}; returns them, or fails after {@code timeout}. */
  public List<String> awaitPassingServiceIds(String service, Collection<String> expected, Duration timeout) {
    List<String> want = new ArrayList<>(new TreeSet<>(expected));
    Await.until(() -> "passing " + service + " to be " + want + ": " + passingServiceIds(service), timeout,
        () -> passingServiceIds(service).equals(want));
    return want;
  }

  /** Deregisters what this fixture registered and every agent service that appeared since it started. */
  public void clean() {
    Set<String> targets = new LinkedHashSet<>(registered);
    for (String id : agentServiceIds()) {
      if (!preexisting.contains(id)) {
        targets.add(id);
      }
    }
    for (String id : targets) {
      deregisterService(id);
    }
    registered.clear();
  }

  /** {@link #clean()} (if Consul is up), then stops whatever the fixture started. */
  @Override
  public void close() {
    try {
      clean();
    } catch (RuntimeException down) {
      LOG.debug("Consul fixture: clean on close skipped: {}", down.toString());
    }
    backend.close();
  }

  private List<String> serviceIds(String service, boolean passing) {
    ConsulHttp.Reply reply = http.get("/v1/health/service/" + encode(service) + (passing ? "?passing=1" : ""));
    if (!reply.ok()) {
      throw new IllegalStateException("health " + service + ": HTTP " + reply.status() + " " + reply.body());
    }
    List<String> ids = new ArrayList<>();
    for (Object each : new JsonArray(reply.body())) {
      ids.add(((JsonObject) each).getJsonObject("Service").getString("ID"));
    }
    ids.sort(null);
    return ids;
  }

  private List<String> agentServiceIds() {
    ConsulHttp.Reply reply = http.get("/v1/agent/services");
    if (!reply.ok()) {
      throw new IllegalStateException("agent services: HTTP " + reply.status() + " " + reply.body());
    }
    return new ArrayList<>(new JsonObject(reply.body()).fieldNames());
  }

  private static JsonObject definition(String id, String name, String address, int port) {
    return new JsonObject().put("ID", id).put("Name", name).put("Address", address).put("Port", port);
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  // ---- backends ----

  private static Backend external(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(ENV + " must be host:port, got '" + hostPort + "'");
    }
    String host = hostPort.substring(0, colon);
    int port = Integer.parseInt(hostPort.substring(colon + 1));
    return new Backend() {
      public String kind() { return EXTERNAL; }
      public String host() { return host; }
      public int port() { return port; }
      public String restartUnsupportedReason() {
        return "the external Consul from " + ENV + " cannot be stopped by the tests";
      }
      public void close() { }
    };
  }

  private static Backend binary(ConsulBinary agent) {
    return new Backend() {
      public String kind() { return BINARY; }
      public String host() { return "127.0.0.1"; }
      public int port() { return agent.httpPort(); }
      public int httpsPort() { return agent.httpsPort(); }
      public String restartUnsupportedReason() { return null; }
      public void stop() { agent.stop(); }
      public void restart() { agent.restart(); }
      public void close() { agent.stop(); }
    };
  }

  private static Backend container() {
    ConsulContainer consul = new ConsulContainer(IMAGE);
    consul.start();
    return new Backend() {
      public String kind() { return TESTCONTAINERS; }
      public String host() { return consul.getHost(); }
      public int port() { return consul.getMappedPort(8500); }
      public String restartUnsupportedReason() {
        return "a restarted container gets a new mapped port";
      }
      public void close() { consul.stop(); }
    };
  }

  private static Backend inRepoBackend(ConsulTestServer server) {
    return new Backend() {
      public String kind() { return IN_REPO; }
      public String host() { return server.host(); }
      public int port() { return server.port(); }
      public int httpsPort() { return server.httpsPort(); }
      public Optional<ConsulTestServer> server() { return Optional.of(server); }
      public String restartUnsupportedReason() { return null; }
      public boolean keepsStateAcrossRestart() { return true; }
      public void stop() { server.stop(); }
      public void restart() { server.restart(); }
      public void close() { server.close(); }
    };
  }
}
