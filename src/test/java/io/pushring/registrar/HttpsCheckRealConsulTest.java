package io.pushring.registrar;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.config.ConfigLoader;
import io.pushring.config.PushringConfig;
import io.pushring.testing.Await;
import io.pushring.testing.FreePorts;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.PushgatewayWebConfig;
import io.pushring.testing.TestPki;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The https health check the registrar registers, run by a real Consul agent (the {@code consul}
 * binary, 1.4 here: on PATH or in ../shared/bin) against real Pushgateways serving TLS. Consul 1.4's
 * HTTP check takes no CA of its own: it trusts the system's roots, or, with the agent's
 * {@code enable_agent_tls_for_checks}, the agent's {@code ca_file} and presents the agent's
 * certificate. pushring adds {@code TLSSkipVerify} only when {@code pushgateways.tls.insecure-skip-verify}
 * says so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpsCheckRealConsulTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Path consul;
  private Path dir;
  private TestPki.Ca ca;
  private Path caFile;
  private Path clientCert;
  private Path clientKey;
  private final List<PushgatewayProcess> pgs = new ArrayList<>();
  private final List<Process> agents = new ArrayList<>();
  private PushgatewayProcess tls1;
  private PushgatewayProcess tls2;
  private PushgatewayProcess mtls;
  private Vertx vertx;

  @BeforeAll
  void start() throws IOException {
    consul = binary().orElse(null);
    Assumptions.assumeTrue(consul != null, "no consul binary on PATH nor in ../shared/bin");
    dir = Files.createTempDirectory("https-check");
    ca = TestPki.ca("fleet CA");
    caFile = ca.writeCert(dir.resolve("ca.pem"));
    TestPki.Issued server = ca.issue("127.0.0.1", "localhost");
    Path srvCert = server.writeCert(dir.resolve("srv.pem"));
    Path srvKey = server.writeKey(dir.resolve("srv.key"));
    TestPki.Issued agentLeaf = ca.issue("consul-agent");
    clientCert = agentLeaf.writeCert(dir.resolve("agent.pem"));
    clientKey = agentLeaf.writeKey(dir.resolve("agent.key"));
    Path tls = new PushgatewayWebConfig().tls(srvCert, srvKey).write(dir.resolve("web-tls.yml"));
    tls1 = pg(tls);
    tls2 = pg(tls);
    mtls = pg(new PushgatewayWebConfig().tls(srvCert, srvKey).requireClientCert(caFile).write(dir.resolve("web-mtls.yml")));
  }

  @AfterEach
  void stopPushring() {
    if (vertx != null) vertx.close().await();
    vertx = null;
  }

  @AfterAll
  void stop() {
    for (Process agent : agents) {
      agent.destroy();
      try {
        if (!agent.waitFor(10, TimeUnit.SECONDS)) agent.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        agent.destroyForcibly();
      }
    }
    pgs.forEach(PushgatewayProcess::close);
  }

  @Test
  void theAgentDoesNotTrustAnUnknownCaAndSkipsVerificationOnlyWhenAsked() throws Exception {
    int agent = agent();
    deploy(agent, "verified", tls1);
    JsonObject verified = awaitCheck(agent, "verified", "critical");
    assertThat(verified.getString("Output")).contains("x509");

    stopPushring();
    deploy(agent, "skipped", tls2, "PUSHRING_PUSHGATEWAYS_TLS_INSECURE_SKIP_VERIFY", "true");
    JsonObject skipped = awaitCheck(agent, "skipped", "passing");
    assertThat(skipped.getString("Output")).contains("HTTP GET https://127.0.0.1:" + tls2.port() + "/-/healthy: 200");
    // The verified one stays critical: nothing pushring did for the other service weakened it.
    assertThat(check(agent, "verified").getString("Status")).isEqualTo("critical");
  }

  @Test
  void anAgentWithTlsForChecksVerifiesWithItsCaAndPresentsItsCertificate() throws Exception {
    // The Pushgateway requires a client certificate signed by the CA: the agent's own (cert_file/key_file).
    int agent = agent("enable_agent_tls_for_checks = true", "ca_file = \"" + caFile + "\"",
        "cert_file = \"" + clientCert + "\"", "key_file = \"" + clientKey + "\"");
    deploy(agent, "mtls", mtls);
    JsonObject passing = awaitCheck(agent, "mtls", "passing");
    assertThat(passing.getString("Output")).contains(": 200");
  }

  // ---- helpers

  private PushgatewayProcess pg(Path webConfig) {
    PushgatewayProcess p = PushgatewayProcess.start("--web.config.file=" + webConfig);
    pgs.add(p);
    return p;
  }

  private void deploy(int agentPort, String service, PushgatewayProcess pg, String... overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("PUSHRING_HTTP_HOST", "127.0.0.1");
    env.put("PUSHRING_HTTP_PORT", "0");
    env.put("PUSHRING_ROUTER_INSTANCES", "1");
    env.put("PUSHRING_ROUTER_MODE", "redirect");
    env.put("PUSHRING_DISCOVERY_MODE", "consul");
    env.put("PUSHRING_CONSUL_ADDRESS", "127.0.0.1:" + agentPort);
    env.put("PUSHRING_CONSUL_SERVICE", service);
    env.put("PUSHRING_CONSUL_WAIT", "5s");
    env.put("PUSHRING_PUSHGATEWAYS_SERVERS", pg.host() + ":" + pg.port());
    env.put("PUSHRING_PUSHGATEWAYS_SCHEME", "https");
    env.put("PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString());
    env.put("PUSHRING_PUSHGATEWAYS_CHECK_INTERVAL", "1s");
    env.put("PUSHRING_PUSHGATEWAYS_CHECK_TIMEOUT", "500ms");
    for (int i = 0; i + 1 < overrides.length; i += 2) env.put(overrides[i], overrides[i + 1]);
    PushringConfig config = ConfigLoader.load(Map.of(), env);
    vertx = Vertx.vertx();
    PushringApp.deploy(vertx, config).await();
  }

  private JsonObject awaitCheck(int agentPort, String service, String status) {
    Await.until(() -> service + " check " + status + ", got " + check(agentPort, service), Duration.ofSeconds(20),
        Duration.ofMillis(200), () -> {
          JsonObject c = check(agentPort, service);
          // A check is critical with no output from its registration until its first run.
          return c != null && status.equals(c.getString("Status")) && !c.getString("Output", "").isEmpty();
        });
    return check(agentPort, service);
  }

  /**
   * The service's one check as the agent holds it, or null before it is registered. The agent's own
   * view: the catalog gets an output change with the same status only every check_update_interval.
   */
  private static JsonObject check(int agentPort, String service) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agentPort
          + "/v1/agent/checks")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      JsonObject checks = new JsonObject(r.body());
      for (String id : checks.fieldNames()) {
        JsonObject c = checks.getJsonObject(id);
        if (service.equals(c.getString("ServiceName"))) return c;
      }
      return null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** A dev agent on free ports with {@code hcl} lines added; returns its HTTP port once a leader is elected. */
  private int agent(String... hcl) throws IOException {
    int http = FreePorts.find();
    List<String> cmd = new ArrayList<>(List.of(consul.toString(), "agent", "-dev", "-bind", "127.0.0.1", "-client", "127.0.0.1",
        "-node", "https-check-" + http, "-http-port", String.valueOf(http), "-dns-port", "-1", "-grpc-port", "-1",
        "-serf-lan-port", String.valueOf(FreePorts.find()), "-serf-wan-port", String.valueOf(FreePorts.find()),
        "-server-port", String.valueOf(FreePorts.find()), "-log-level", "warn", "-hcl", "disable_update_check = true"));
    for (String line : hcl) cmd.addAll(List.of("-hcl", line));
    Path log = dir.resolve("consul-" + http + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    agents.add(p);
    Await.until(() -> "consul agent with a leader; log: " + log, Duration.ofSeconds(30), Duration.ofMillis(100), () -> {
      if (!p.isAlive()) throw new IllegalStateException("consul exited: " + read(log));
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/v1/status/leader"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 && r.body().contains(":");
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
    return http;
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static Optional<Path> binary() {
    String path = System.getenv("PATH");
    List<Path> candidates = new ArrayList<>();
    if (path != null) for (String d : path.split(File.pathSeparator)) candidates.add(Path.of(d, "consul"));
    candidates.add(Path.of("..", "shared", "bin", "consul").toAbsolutePath().normalize());
    return candidates.stream().filter(c -> Files.isRegularFile(c) && Files.isExecutable(c)).findFirst();
  }
}
