package io.pushring.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.testing.Await;
import io.pushring.testing.PushClient;
import io.pushring.testing.PushClient.Auth;
import io.pushring.testing.PushgatewayApi;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.TestConfig;
import io.pushring.testing.TestPki;
import io.vertx.core.Vertx;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real Pushgateway clients (Python, Go, both Java ones, Node, curl) pushing over TLS with basic auth
 * through pushring (proxy mode, {@code http.web-config-file} with TLS and the user "pushring") to a real
 * Pushgateway that itself runs with {@code --web.config.file} and the same user: each client trusts the
 * test CA the way its runtime is told to (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, CURL_CA_BUNDLE, a Java trust
 * store). The right password pushes (read back on the Pushgateway); a wrong one is refused by pushring.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebConfigClientsTest {
  static final Auth AUTH = ProxyClientMatrixTest.AUTH;

  @TempDir static Path dir;
  PushgatewayProcess secured;
  Vertx vertx;
  int port;
  Map<String, String> trustEnv;

  @BeforeAll
  void start() throws Exception {
    PushClient.prepare();
    Path clientsConfig = Path.of(System.getenv().getOrDefault("PUSHRING_TEST_BUILD_DIR", "target"),
        "test-classes/clients/web-config.yml").toAbsolutePath();
    secured = PushgatewayProcess.start("--web.config.file=" + clientsConfig);

    TestPki.Ca ca = TestPki.ca("clients CA");
    Path caPem = ca.writeCert(dir.resolve("ca.pem"));
    TestPki.Issued server = ca.issue("127.0.0.1", "localhost");
    server.writeCert(dir.resolve("server.pem"));
    server.writeKey(dir.resolve("server.key"));
    // pushring's users: the same file's users (pushring / s3cret), plus TLS.
    String users = Files.readString(clientsConfig).lines().filter(l -> !l.startsWith("#"))
        .reduce("", (a, b) -> a + b + "\n");
    Path web = Files.writeString(dir.resolve("web.yml"),
        "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n" + users);
    vertx = Vertx.vertx();
    port = PushringApp.deploy(vertx, TestConfig.staticMembers(secured.host() + ":" + secured.port(),
        "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_HTTP_WEB_CONFIG_FILE", web.toString())).await().port();

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    Path trustStore = dir.resolve("trust.p12");
    try (OutputStream out = Files.newOutputStream(trustStore)) {
      trust.store(out, "changeit".toCharArray());
    }
    trustEnv = Map.of(
        "SSL_CERT_FILE", caPem.toString(),                 // Python's ssl, Go's crypto/x509
        "NODE_EXTRA_CA_CERTS", caPem.toString(),
        "CURL_CA_BUNDLE", caPem.toString(),
        "JAVA_TOOL_OPTIONS", "-Djavax.net.ssl.trustStore=" + trustStore + " -Djavax.net.ssl.trustStorePassword=changeit"
            + " -Djavax.net.ssl.trustStoreType=PKCS12");
  }

  @AfterAll
  void stop() {
    if (vertx != null) vertx.close().await();
    if (secured != null) secured.close();
  }

  static Stream<PushClient> clients() {
    return Stream.of(PushClient.values()).filter(c -> c != PushClient.CURL_FOLLOW);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void pushesOverTlsWithBasicAuth(PushClient client) {
    Assumptions.assumeTrue(client.unavailable() == null, () -> client + " cannot run here: " + client.unavailable());
    String instance = "tls-" + client.name().toLowerCase().replace('_', '-');
    Map<String, String> group = Map.of("job", "tls_clients", "instance", instance);
    String url = "https://127.0.0.1:" + port;
    // One metric name per client: curl's is untyped, the libraries' are gauges, and the Pushgateway refuses
    // one name with two types across groups.
    String metric = "tls_" + client.name().toLowerCase();
    try (PushClient.Session session = client.start(url, "tls_clients", instance, AUTH, trustEnv)) {
      assertThat(session.send("put " + metric + " 1")).isEqualTo("ok");
    }
    assertThat(Await.holdsWithin(Duration.ofSeconds(5),
        () -> PushgatewayApi.metricNames(secured.baseUrl(), AUTH, group).equals(Optional.of(Set.of(metric)))))
        .as("pushed group on the Pushgateway").isTrue();

    String refused = instance + "-wrong";
    try (PushClient.Session session = client.start(url, "tls_clients", refused, new Auth(AUTH.user(), "wrong"), trustEnv)) {
      String reply = session.send("put " + metric + " 1");
      // curl reports no HTTP error by its exit status: the group's absence below is what tells
      if (client != PushClient.CURL) assertThat(reply).startsWith("error");
    }
    assertThat(PushgatewayApi.metricNames(secured.baseUrl(), AUTH, Map.of("job", "tls_clients", "instance", refused)))
        .isEmpty();
  }
}
