package io.pushring.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.bus.RingPublisher;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.testing.Await;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.PushgatewayWebConfig;
import io.pushring.testing.TestConfig;
import io.pushring.testing.TestPki;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * pushring speaking TLS to real Pushgateways 1.5.1 running with {@code --web.config.file}
 * ({@code tls_server_config}, {@code client_auth_type}, {@code basic_auth_users}), certificates made
 * in the test ({@link TestPki}). What is pushed through pushring is read back from the Pushgateways by
 * the test's own TLS client; curl follows redirects with {@code --cacert}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamTlsTest {
  private Path dir;
  private TestPki.Ca ca;
  private Path caFile;
  private Path otherCaFile;
  private Path clientCert;
  private Path clientKey;
  private TestPki.Issued client;
  private final List<PushgatewayProcess> all = new ArrayList<>();
  private PushgatewayProcess tls1;
  private PushgatewayProcess tls2;
  /** Certificate naming pg.fleet.internal only (not 127.0.0.1). */
  private PushgatewayProcess named;
  /** Requires a client certificate signed by the CA. */
  private PushgatewayProcess mtls;
  /** TLS plus basic_auth_users fleet / client. */
  private PushgatewayProcess guarded;
  private PushgatewayWebConfig guardedConfig;
  private Path guardedConfigFile;
  private Vertx vertx;
  private HttpClient direct;

  @BeforeAll
  void start() throws IOException {
    dir = Files.createTempDirectory("upstream-tls");
    ca = TestPki.ca("fleet CA");
    caFile = ca.writeCert(dir.resolve("ca.pem"));
    otherCaFile = TestPki.ca("other CA").writeCert(dir.resolve("other-ca.pem"));
    TestPki.Issued server = ca.issue("127.0.0.1", "localhost");
    Path srvCert = server.writeCert(dir.resolve("srv.pem"));
    Path srvKey = server.writeKey(dir.resolve("srv.key"));
    TestPki.Issued namedLeaf = ca.issue("pg.fleet.internal");
    client = ca.issue("pushring-client");
    clientCert = client.writeCert(dir.resolve("client.pem"));
    clientKey = client.writeKey(dir.resolve("client.key"));

    Path plainTls = new PushgatewayWebConfig().tls(srvCert, srvKey).write(dir.resolve("web-tls.yml"));
    tls1 = pg(plainTls);
    tls2 = pg(plainTls);
    named = pg(new PushgatewayWebConfig().tls(namedLeaf.writeCert(dir.resolve("named.pem")), namedLeaf.writeKey(dir.resolve("named.key")))
        .write(dir.resolve("web-named.yml")));
    mtls = pg(new PushgatewayWebConfig().tls(srvCert, srvKey).requireClientCert(caFile).write(dir.resolve("web-mtls.yml")));
    guardedConfig = new PushgatewayWebConfig().tls(srvCert, srvKey).user("fleet", "fleet-secret-1").user("client", "client-pw");
    guardedConfigFile = guardedConfig.write(dir.resolve("web-guarded.yml"));
    guarded = pg(guardedConfigFile);
  }

  private PushgatewayProcess pg(Path webConfig) {
    PushgatewayProcess p = PushgatewayProcess.start("--web.config.file=" + webConfig);
    all.add(p);
    return p;
  }

  @AfterEach
  void stopPushring() {
    if (vertx != null) vertx.close().await();
    vertx = null;
  }

  @AfterAll
  void stop() {
    all.forEach(PushgatewayProcess::close);
  }

  // ---- proxy mode over TLS

  @Test
  void proxiedPushesOverTlsLandOnTheirOwnerAndDeletesFanOutOverTls() throws Exception {
    int port = pushring(members(tls1, tls2), "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString());
    List<String> jobs = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String job = "tls-owner-" + i;
      jobs.add(job);
      assertThat(push(port, "PUT", "/metrics/job/" + job, null).statusCode()).as(job).isEqualTo(200);
    }
    for (String job : jobs) {
      Member owner = RingPublisher.current(vertx).route(GroupingKeyParser.parse("/metrics/job/" + job));
      PushgatewayProcess ownerPg = owner.port() == tls1.port() ? tls1 : tls2;
      PushgatewayProcess other = ownerPg == tls1 ? tls2 : tls1;
      assertThat(jobsOn(ownerPg, null)).as(job + " on its owner " + owner).contains(job);
      assertThat(jobsOn(other, null)).as(job + " not on the other").doesNotContain(job);
    }
    // A stray copy on the non-owner: a client's DELETE goes to the owner (proxied) and to every other
    // member (GroupDeleter), both over TLS.
    String job = jobs.get(0);
    Member owner = RingPublisher.current(vertx).route(GroupingKeyParser.parse("/metrics/job/" + job));
    PushgatewayProcess other = owner.port() == tls1.port() ? tls2 : tls1;
    assertThat(direct(other, "PUT", "/metrics/job/" + job, null).statusCode()).isEqualTo(200);
    assertThat(push(port, "DELETE", "/metrics/job/" + job, null).statusCode()).isEqualTo(202);
    Await.until("both copies deleted over TLS", Duration.ofSeconds(10),
        () -> !jobsOn(tls1, null).contains(job) && !jobsOn(tls2, null).contains(job));
  }

  @Test
  void aPushgatewayWhoseCertificateTheCaDidNotSignIsRefusedNeverSentToInsecurely() throws Exception {
    int port = pushring(members(tls1), "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", otherCaFile.toString());
    HttpResponse<String> r = push(port, "PUT", "/metrics/job/wrong-ca", null);
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).contains("TLS handshake with the Pushgateway failed").contains("certification path").contains("nothing was sent");
    assertThat(jobsOn(tls1, null)).doesNotContain("wrong-ca");
  }

  @Test
  void aCertificateForAnotherNameIsRefusedUnlessServerNameSaysSo() throws Exception {
    int port = pushring(members(named), "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString());
    HttpResponse<String> refused = push(port, "PUT", "/metrics/job/named", null);
    assertThat(refused.statusCode()).isEqualTo(502);
    assertThat(refused.body()).contains("valid for pg.fleet.internal, not 127.0.0.1");
    assertThat(jobsOn(named, null)).doesNotContain("named");
    stopPushring();

    port = pushring(members(named), "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString(), "PUSHRING_PUSHGATEWAYS_TLS_SERVER_NAME", "pg.fleet.internal");
    assertThat(push(port, "PUT", "/metrics/job/named", null).statusCode()).isEqualTo(200);
    assertThat(jobsOn(named, null)).contains("named");
    stopPushring();

    port = pushring(members(named), "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString(), "PUSHRING_PUSHGATEWAYS_TLS_SERVER_NAME", "pg.other.internal");
    HttpResponse<String> wrongName = push(port, "PUT", "/metrics/job/named-2", null);
    assertThat(wrongName.statusCode()).isEqualTo(502);
    assertThat(wrongName.body()).contains("not pg.other.internal");
  }

  @Test
  void aPushgatewayRequiringAClientCertificateGetsTheOneConfigured() throws Exception {
    int port = pushring(members(mtls), "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString());
    HttpResponse<String> without = push(port, "PUT", "/metrics/job/mtls", null);
    assertThat(without.statusCode()).isEqualTo(502);
    assertThat(without.body()).contains("TLS").contains("bad_certificate");
    assertThat(jobsOn(mtls, client)).doesNotContain("mtls");
    stopPushring();

    port = pushring(members(mtls), "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString(),
        "PUSHRING_PUSHGATEWAYS_TLS_CERT_FILE", clientCert.toString(), "PUSHRING_PUSHGATEWAYS_TLS_KEY_FILE", clientKey.toString());
    assertThat(push(port, "PUT", "/metrics/job/mtls", null).statusCode()).isEqualTo(200);
    assertThat(jobsOn(mtls, client)).contains("mtls");
  }

  // ---- redirect mode

  @Test
  void redirectsNameTheHttpsOwnerAndCurlFollowsThemWithTheCa() throws Exception {
    int port = pushring(members(tls1, tls2), "PUSHRING_ROUTER_MODE", "redirect", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString());
    String path = "/metrics/job/followed";
    Member owner = RingPublisher.current(vertx).route(GroupingKeyParser.parse(path));
    PushgatewayProcess ownerPg = owner.port() == tls1.port() ? tls1 : tls2;
    String url = "http://127.0.0.1:" + port + path;

    Curl head = curl("-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-X", "PUT", "--data-binary", "x 1\n", url);
    assertThat(head.out()).isEqualTo("307 https://127.0.0.1:" + ownerPg.port() + path);

    Curl followed = curl("-s", "-L", "--cacert", caFile.toString(), "-w", "%{http_code} %{url_effective}", "-X", "PUT",
        "--data-binary", "followed_metric 1\n", url);
    assertThat(followed.exit()).as(followed.toString()).isZero();
    assertThat(followed.out()).isEqualTo("200 https://127.0.0.1:" + ownerPg.port() + path);
    assertThat(jobsOn(ownerPg, null)).contains("followed");

    // Without the CA curl refuses the owner's certificate: the redirect does not weaken TLS.
    Curl untrusted = curl("-s", "-L", "-X", "PUT", "--data-binary", "x 1\n", url);
    assertThat(untrusted.exit()).as(untrusted.toString()).isEqualTo(60);
  }

  // ---- credentials

  @Test
  void theFleetCredentialReplacesWhateverTheClientSends() throws Exception {
    Path password = Files.writeString(dir.resolve("fleet-password"), "fleet-secret-1\n");
    int port = pushring(members(guarded), "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString(),
        "PUSHRING_PUSHGATEWAYS_BASIC_AUTH_USERNAME", "fleet", "PUSHRING_PUSHGATEWAYS_BASIC_AUTH_PASSWORD_FILE", password.toString());
    assertThat(push(port, "PUT", "/metrics/job/fleet-none", null).statusCode()).isEqualTo(200);
    assertThat(push(port, "PUT", "/metrics/job/fleet-wrong", basic("client", "not-the-password")).statusCode()).isEqualTo(200);
    assertThat(jobsOn(guarded, null, basic("fleet", "fleet-secret-1"))).contains("fleet-none", "fleet-wrong");

    // Rotation: the Pushgateway's users change (it reads its web config per request), then the file;
    // pushring sends the new password without a restart.
    guardedConfig.user("fleet", "fleet-secret-2").write(guardedConfigFile);
    assertThat(push(port, "PUT", "/metrics/job/fleet-stale", null).statusCode()).isEqualTo(401);
    Files.writeString(dir.resolve("fleet-password.tmp"), "fleet-secret-2");
    Files.move(dir.resolve("fleet-password.tmp"), password, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Await.until("the rotated password reaches the Pushgateway", Duration.ofSeconds(10),
        () -> push(port, "PUT", "/metrics/job/fleet-rotated", null).statusCode() == 200);
    guardedConfig.user("fleet", "fleet-secret-1").write(guardedConfigFile);
  }

  @Test
  void withoutAFleetCredentialTheClientsAuthorizationReachesThePushgateway() throws Exception {
    int port = pushring(members(guarded), "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString());
    HttpResponse<String> anonymous = push(port, "PUT", "/metrics/job/client-none", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    assertThat(push(port, "PUT", "/metrics/job/client-own", basic("client", "client-pw")).statusCode()).isEqualTo(200);
    assertThat(jobsOn(guarded, null, basic("client", "client-pw"))).contains("client-own").doesNotContain("client-none");
  }

  @Test
  void whenPushringAuthenticatesThePusherItsCredentialIsForwardedUnlessTheFleetHasOne() throws Exception {
    // pushring's own listener wants user "pusher" (the same web-config schema); the Pushgateway knows only fleet and client.
    Path listener = new PushgatewayWebConfig().user("pusher", "pusher-pw").write(dir.resolve("pushring-web.yml"));
    String pusher = basic("pusher", "pusher-pw");

    int port = pushring(members(guarded), "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString(), "PUSHRING_HTTP_WEB_CONFIG_FILE", listener.toString());
    assertThat(push(port, "PUT", "/metrics/job/pusher-forwarded", null).statusCode()).as("pushring's own 401").isEqualTo(401);
    // Accepted by pushring (the same listener config accepts it below), forwarded as is: the Pushgateway
    // does not know "pusher" and its 401 comes back.
    assertThat(push(port, "PUT", "/metrics/job/pusher-forwarded", pusher).statusCode()).isEqualTo(401);
    stopPushring();

    Path password = Files.writeString(dir.resolve("fleet-password-2"), "fleet-secret-1");
    port = pushring(members(guarded), "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString(), "PUSHRING_HTTP_WEB_CONFIG_FILE", listener.toString(),
        "PUSHRING_PUSHGATEWAYS_BASIC_AUTH_USERNAME", "fleet", "PUSHRING_PUSHGATEWAYS_BASIC_AUTH_PASSWORD_FILE", password.toString());
    assertThat(push(port, "PUT", "/metrics/job/pusher-replaced", null).statusCode()).isEqualTo(401);
    assertThat(push(port, "PUT", "/metrics/job/pusher-replaced", basic("pusher", "wrong")).statusCode()).isEqualTo(401);
    assertThat(push(port, "PUT", "/metrics/job/pusher-replaced", pusher).statusCode()).isEqualTo(200);
    assertThat(jobsOn(guarded, null, basic("fleet", "fleet-secret-1"))).contains("pusher-replaced").doesNotContain("pusher-forwarded");
  }

  // ---- the reconciler's client

  @Test
  void theReconcilersClientReadsAndWritesOverTlsWithTheFleetCredential() throws Exception {
    Path password = Files.writeString(dir.resolve("reconciler-password"), "fleet-secret-1");
    var config = TestConfig.staticMembers(members(guarded), "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString(),
        "PUSHRING_PUSHGATEWAYS_BASIC_AUTH_USERNAME", "fleet", "PUSHRING_PUSHGATEWAYS_BASIC_AUTH_PASSWORD_FILE", password.toString());
    vertx = Vertx.vertx();
    Upstream upstream = Upstream.load(vertx, config.pushgateways());
    var api = new io.pushring.reconcile.PushgatewayClient(upstream, Duration.ofSeconds(10));
    Member member = Member.ofAddress(guarded.host(), guarded.port());
    var key = GroupingKeyParser.parse("/metrics/job/reconciled/instance/a");
    api.put(member, key, "reconciled_metric 7\n");
    assertThat(api.groups(member).toString()).contains("reconciled");
    assertThat(jobsOn(guarded, null, basic("fleet", "fleet-secret-1"))).contains("reconciled");
    api.delete(member, key);
    Await.until("deleted", Duration.ofSeconds(10), () -> !jobsOn(guarded, null, basic("fleet", "fleet-secret-1")).contains("reconciled"));

    // The same client without the credential: the Pushgateway's 401, named in the failure.
    var config2 = TestConfig.staticMembers(members(guarded), "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString());
    var anonymous = new io.pushring.reconcile.PushgatewayClient(Upstream.load(vertx, config2.pushgateways()), Duration.ofSeconds(10));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> anonymous.groups(member)).hasMessageContaining("answered 401");
    // And with the other CA: the handshake fails, nothing is read.
    var config3 = TestConfig.staticMembers(members(guarded), "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", otherCaFile.toString());
    var untrusting = new io.pushring.reconcile.PushgatewayClient(Upstream.load(vertx, config3.pushgateways()), Duration.ofSeconds(10));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> untrusting.groups(member)).hasMessageContaining("SSLHandshakeException");
  }

  @Test
  void aReconcilePassMovesAStrayGroupToItsOwnerOverTls() throws Exception {
    pushring(members(tls1, tls2), "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", caFile.toString(),
        "PUSHRING_RECONCILE_ENABLED", "true", "PUSHRING_RECONCILE_INTERVAL", "1s", "PUSHRING_RECONCILE_SETTLE", "0s",
        "PUSHRING_RECONCILE_QUIET", "0s", "PUSHRING_RECONCILE_RATE", "500");
    String job = "reconciled-over-tls";
    Member owner = RingPublisher.current(vertx).route(GroupingKeyParser.parse("/metrics/job/" + job));
    PushgatewayProcess ownerPg = owner.port() == tls1.port() ? tls1 : tls2;
    PushgatewayProcess stray = ownerPg == tls1 ? tls2 : tls1;
    // Pushed past pushring, onto the wrong member: the reconciler reads both over TLS, PUTs the group
    // on its owner and DELETEs the stray copy.
    assertThat(direct(stray, "PUT", "/metrics/job/" + job, null).statusCode()).isEqualTo(200);
    Await.until(() -> job + " moved to its owner; owner " + jobsOn(ownerPg, null) + ", stray " + jobsOn(stray, null),
        Duration.ofSeconds(30), Duration.ofMillis(200),
        () -> jobsOn(ownerPg, null).contains(job) && !jobsOn(stray, null).contains(job));
  }

  // ---- helpers

  private static String members(PushgatewayProcess... pgs) {
    return java.util.Arrays.stream(pgs).map(p -> p.host() + ":" + p.port()).collect(Collectors.joining(","));
  }

  private int pushring(String members, String... env) {
    vertx = Vertx.vertx();
    return PushringApp.deploy(vertx, TestConfig.staticMembers(members, env)).await().port();
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static final HttpClient PLAIN = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static HttpResponse<String> push(int port, String method, String path, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(15))
        .method(method, "DELETE".equals(method) ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString("some_metric 1\n"));
    if (authorization != null) b.header("Authorization", authorization);
    try {
      return PLAIN.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A request straight to a TLS Pushgateway, trusting the CA (and presenting the client certificate). */
  private HttpResponse<String> direct(PushgatewayProcess pg, String method, String path, String authorization) {
    if (direct == null) direct = HttpClient.newBuilder().sslContext(ca.sslContext(client)).connectTimeout(Duration.ofSeconds(5)).build();
    HttpClient http = direct;
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(pg.httpsUrl() + path)).timeout(Duration.ofSeconds(10))
        .method(method, "GET".equals(method) ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("stray 1\n"));
    if (authorization != null) b.header("Authorization", authorization);
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private List<String> jobsOn(PushgatewayProcess pg, TestPki.Issued ignored) {
    return jobsOn(pg, ignored, null);
  }

  /** The {@code job} label of every group on {@code pg}, read over TLS. */
  private List<String> jobsOn(PushgatewayProcess pg, TestPki.Issued ignored, String authorization) {
    String body;
    if (pg == named) {
      // Its certificate names pg.fleet.internal only: curl resolves that name to the loopback port.
      String authority = "pg.fleet.internal:" + pg.port();
      Curl c;
      try {
        c = curl("-sf", "--cacert", caFile.toString(), "--resolve", authority + ":127.0.0.1", "https://" + authority + "/api/v1/metrics");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      if (c.exit() != 0) throw new IllegalStateException(pg + ": " + c);
      body = c.out();
    } else {
      HttpResponse<String> r = direct(pg, "GET", "/api/v1/metrics", authorization);
      if (r.statusCode() != 200) throw new IllegalStateException(pg + " answered " + r.statusCode() + ": " + r.body());
      body = r.body();
    }
    JsonArray data = new JsonObject(body).getJsonArray("data");
    List<String> jobs = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) jobs.add(data.getJsonObject(i).getJsonObject("labels").getString("job"));
    return jobs;
  }

  record Curl(int exit, String out, String err) {}

  private static Curl curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("curl", "--max-time", "15"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return new Curl(p.exitValue(), out, err);
  }
}
