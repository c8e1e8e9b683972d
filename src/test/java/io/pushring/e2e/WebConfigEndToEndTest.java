package io.pushring.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.testing.Await;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.TestConfig;
import io.pushring.testing.TestPki;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code http.web-config-file} end to end: pushring listening with the Prometheus web configuration
 * (certificates made here, bcrypt users) in front of a real Pushgateway; curl and the JDK's HttpClient
 * over real TLS handshakes; reloads of the certificate and the users without a restart.
 */
class WebConfigEndToEndTest {
  static final String BODY = "webconfig_test_metric 42\n";

  @TempDir Path dir;
  TestPki.Ca ca;
  Path caFile;
  Path webConfig;
  PushgatewayProcess pg;
  Vertx vertx;
  PushringApp app;
  int port;

  @BeforeEach
  void pki() {
    ca = TestPki.ca("pushring test CA");
    caFile = ca.writeCert(dir.resolve("ca.pem"));
    TestPki.Issued server = ca.issue("localhost", "127.0.0.1");
    server.writeCert(dir.resolve("server.pem"));
    server.writeKey(dir.resolve("server.key"));
    webConfig = dir.resolve("web.yml");
    pg = PushgatewayProcess.start();
  }

  @AfterEach
  void stop() {
    if (vertx != null) vertx.close().await();
    pg.close();
  }

  private void start(String mode, String webYaml) throws IOException {
    Files.writeString(webConfig, webYaml);
    vertx = Vertx.vertx();
    app = PushringApp.deploy(vertx, TestConfig.staticMembers(pg.host() + ":" + pg.port(),
        "PUSHRING_ROUTER_MODE", mode, "PUSHRING_HTTP_WEB_CONFIG_FILE", webConfig.toString())).await();
    port = app.port();
  }

  static String hash(String password) {
    byte[] salt = new byte[16];
    new java.security.SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.getBytes(StandardCharsets.UTF_8), salt, 10);
  }

  static String tlsAndUsers(String users) {
    return """
        tls_server_config:
          cert_file: server.pem
          key_file: server.key
        http_server_config:
          headers:
            X-Frame-Options: deny
        basic_auth_users:
        """ + users;
  }

  private String url(String path) {
    return "https://localhost:" + port + path;
  }

  @Test
  void proxyModeOverTlsWithBasicAuth() throws Exception {
    start("proxy", tlsAndUsers("  alice: '" + hash("wonder land") + "'\n"));

    Curl ok = curl("-u", "alice:wonder land", "--data-binary", BODY, url("/metrics/job/tls_proxy"));
    assertThat(ok.status()).as(ok.out()).isEqualTo(200);
    assertThat(ok.out()).containsIgnoringCase("x-frame-options: deny");
    assertThat(pg.groups()).contains(Map.of("job", "tls_proxy"));

    Curl none = curl("--data-binary", BODY, url("/metrics/job/no_password"));
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.out()).containsIgnoringCase("www-authenticate: Basic").endsWith("\r\n\r\nUnauthorized\n")
        .containsIgnoringCase("x-frame-options: deny");
    Curl wrong = curl("-u", "alice:wonder", "--data-binary", BODY, url("/metrics/job/wrong_password"));
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.out()).containsIgnoringCase("www-authenticate: Basic");
    Curl unknown = curl("-u", "bob:wonder land", "--data-binary", BODY, url("/metrics/job/unknown_user"));
    assertThat(unknown.status()).isEqualTo(401);
    // every route is behind the check, not only pushes
    assertThat(curl(url("/api/v1/ring")).status()).isEqualTo(401);
    assertThat(curl("-u", "alice:wonder land", url("/api/v1/ring")).status()).isEqualTo(200);
    assertThat(pg.groups()).extracting(g -> g.get("job")).containsOnly("tls_proxy");

    // The JDK's client, keep-alive: the first push pays bcrypt, the others are a cache lookup.
    HttpClient java = HttpClient.newBuilder().sslContext(ca.sslContext(null)).connectTimeout(Duration.ofSeconds(5)).build();
    String auth = "Basic " + Base64.getEncoder().encodeToString("alice:wonder land".getBytes(StandardCharsets.UTF_8));
    long bcryptsBefore = app.webGuard().current().auth().bcrypts();
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = java.send(HttpRequest.newBuilder(URI.create(url("/metrics/job/java_client/i/" + i)))
          .header("Authorization", auth).PUT(HttpRequest.BodyPublishers.ofString(BODY)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
    assertThat(pg.groups()).filteredOn(g -> g.get("job").equals("java_client")).hasSize(20);
    // curl's "alice:wonder land" above is the same header value: verified once, for all 22 requests
    assertThat(app.webGuard().current().auth().bcrypts()).isEqualTo(bcryptsBefore);
  }

  @Test
  void concurrentRequestsWithANewCredentialShareOneBcrypt() throws Exception {
    start("proxy", tlsAndUsers("  alice: '" + hash("pw") + "'\n"));
    HttpClient java = HttpClient.newBuilder().sslContext(ca.sslContext(null)).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(20)).build();
    String auth = "Basic " + Base64.getEncoder().encodeToString("alice:pw".getBytes(StandardCharsets.UTF_8));
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      all.add(java.sendAsync(HttpRequest.newBuilder(URI.create(url("/metrics/job/concurrent/i/" + i)))
          .header("Authorization", auth).PUT(HttpRequest.BodyPublishers.ofString(BODY)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    for (var f : all) assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(app.webGuard().current().auth().bcrypts()).as("bcrypt checks for 40 requests").isEqualTo(1);
    assertThat(pg.groups()).filteredOn(g -> g.get("job").equals("concurrent")).hasSize(40);
  }

  @Test
  void redirectModeAnswersOnlyAuthenticatedPushers() throws Exception {
    start("redirect", tlsAndUsers("  alice: '" + hash("pw") + "'\n"));
    Curl none = curl("--data-binary", BODY, url("/metrics/job/no_password"));
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.out()).doesNotContainIgnoringCase("location:");
    Curl followed = curl("-L", "-u", "alice:pw", "--data-binary", BODY, url("/metrics/job/tls_redirect"));
    assertThat(followed.out()).containsIgnoringCase("location: http://" + pg.host() + ":" + pg.port()
        + "/metrics/job/tls_redirect");
    assertThat(followed.status()).as(followed.out()).isEqualTo(200);
    assertThat(pg.groups()).contains(Map.of("job", "tls_redirect"));
  }

  @Test
  void mutualTlsRequiredAndVerified() throws Exception {
    TestPki.Issued client = ca.issue("pusher-1");
    client.writeCert(dir.resolve("client.pem"));
    client.writeKey(dir.resolve("client.key"));
    TestPki.Issued stranger = TestPki.ca("another CA").issue("stranger");
    stranger.writeCert(dir.resolve("stranger.pem"));
    stranger.writeKey(dir.resolve("stranger.key"));
    start("proxy", """
        tls_server_config:
          cert_file: server.pem
          key_file: server.key
          client_auth_type: RequireAndVerifyClientCert
          client_ca_file: ca.pem
        """);
    Curl without = curl("--data-binary", BODY, url("/metrics/job/no_cert"));
    assertThat(without.exit()).as("handshake refused: " + without.out()).isNotZero();
    assertThat(without.status()).isZero();
    Curl foreign = curl("--cert", dir.resolve("stranger.pem").toString(), "--key", dir.resolve("stranger.key").toString(),
        "--data-binary", BODY, url("/metrics/job/foreign_cert"));
    assertThat(foreign.exit()).as(foreign.out()).isNotZero();
    Curl with = curl("--cert", dir.resolve("client.pem").toString(), "--key", dir.resolve("client.key").toString(),
        "--data-binary", BODY, url("/metrics/job/mtls"));
    assertThat(with.status()).as(with.out()).isEqualTo(200);
    assertThat(pg.groups()).extracting(g -> g.get("job")).containsOnly("mtls");
  }

  @Test
  void certificateRotationWithoutRestart() throws Exception {
    start("proxy", "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n");
    BigInteger first = presentedSerial();
    TestPki.Issued next = ca.issue("localhost", "127.0.0.1");
    BigInteger nextSerial = next.certificate().getSerialNumber();
    // Key first, then certificate, each replaced whole (written aside, then renamed): in between the pair
    // does not match, is refused, and the old one stays in force.
    replace(dir.resolve("server.key"), next::writeKey);
    replace(dir.resolve("server.pem"), next::writeCert);
    Await.until("the new certificate is presented", Duration.ofSeconds(10), () -> nextSerial.equals(presentedSerial()));
    assertThat(nextSerial).isNotEqualTo(first);
    assertThat(curl("--data-binary", BODY, url("/metrics/job/after_rotation")).status()).isEqualTo(200);
  }

  @Test
  void usersFileChangeTakesEffectWithoutRestart() throws Exception {
    start("proxy", tlsAndUsers("  alice: '" + hash("old") + "'\n"));
    assertThat(curl("-u", "alice:old", "--data-binary", BODY, url("/metrics/job/before")).status()).isEqualTo(200);
    Files.writeString(webConfig, tlsAndUsers("  alice: '" + hash("new") + "'\n  bob: '" + hash("b") + "'\n"));
    Await.until("the new password works", Duration.ofSeconds(10),
        () -> curl("-u", "alice:new", url("/-/healthy")).status() == 200);
    assertThat(curl("-u", "alice:old", "--data-binary", BODY, url("/metrics/job/old_password")).status()).isEqualTo(401);
    assertThat(curl("-u", "bob:b", "--data-binary", BODY, url("/metrics/job/bob")).status()).isEqualTo(200);
    // a broken file is not applied: the users in force stay
    Files.writeString(webConfig, tlsAndUsers("  alice: not-a-hash\n"));
    Await.sleep(2_500);
    assertThat(curl("-u", "alice:new", url("/-/healthy")).status()).isEqualTo(200);
  }

  // ---- helpers ----

  record Curl(int exit, int status, String out) {}

  /** Writes a file next to {@code target} and renames it over the target, as a secret rotation does. */
  private void replace(Path target, java.util.function.Function<Path, Path> writer) throws IOException {
    Path aside = writer.apply(dir.resolve(target.getFileName() + ".new"));
    Files.move(aside, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** curl -sS -i with the test CA trusted; status 0 when no HTTP answer came (the last one with -L). */
  private Curl curl(String... args) {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-i", "--max-time", "10", "--cacert", caFile.toString()));
    if (List.of(args).contains("--data-binary")) cmd.addAll(List.of("-X", "PUT"));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
      int status = 0;
      for (String line : out.split("\r\n")) {
        if (line.startsWith("HTTP/")) status = Integer.parseInt(line.split(" ")[1]);
      }
      return new Curl(p.exitValue(), status, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The serial of the certificate a fresh handshake presents (a new context: no session resumed). */
  private BigInteger presentedSerial() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new X509TrustManager() {
        public void checkClientTrusted(X509Certificate[] c, String a) {}
        public void checkServerTrusted(X509Certificate[] c, String a) {}
        public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
      }}, null);
      try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
        s.startHandshake();
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

}
