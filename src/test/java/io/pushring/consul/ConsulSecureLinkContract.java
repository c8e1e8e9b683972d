package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.pushring.PushringApp;
import io.pushring.config.PushringConfig;
import io.pushring.consul.ConsulFleet.Pushring;
import io.pushring.testing.Await;
import io.pushring.testing.JdkHttp;
import io.pushring.testing.consul.ConsulCerts;
import io.pushring.testing.consul.ConsulFixture;
import io.pushring.testing.consul.ConsulFixture.AclToken;
import io.pushring.testing.consul.ConsulSecurity;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * The Consul link secured (issue 11 part 5): pushring in Consul mode against a Consul with ACLs on
 * ({@code default_policy = "deny"}) over HTTPS only (CA file, server certificate made in the test),
 * its token in {@code consul.token-file}. The same tests run against the real agent ({@link
 * RealConsulSecureLinkTest}: consul 1.4.0 on PATH) and the in-repo test server ({@link
 * InRepoConsulSecureLinkTest}). Every test also checks that no captured log line and no API answer
 * carries a token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ConsulSecureLinkContract {
  private static final Duration WITHIN = Duration.ofSeconds(30);
  private final JdkHttp http = new JdkHttp();
  private final List<String> secrets = new ArrayList<>();
  private final List<Pushring> deployed = new ArrayList<>();
  private Path dir;
  private ConsulCerts certs;
  private ConsulFixture consul;
  private Fleet fleet;
  private String service;
  private Path tokenFile;
  private ListAppender<ILoggingEvent> logged;

  abstract ConsulFixture startConsul(ConsulSecurity security);

  @BeforeAll
  void start() throws IOException {
    dir = Files.createTempDirectory("pushring-consul-tls-");
    certs = ConsulCerts.create(dir.resolve("pki"));
    String master = UUID.randomUUID().toString();
    secrets.add(master);
    consul = startConsul(new ConsulSecurity(master, certs, true));
  }

  @AfterAll
  void stop() {
    if (consul != null) consul.close();
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException ignored) {
        // a temporary directory
      }
    }
  }

  @BeforeEach
  void captureLog() {
    service = ConsulModeConfig.uniqueService("pgw-secure");
    // Pushgateways of the test's own: their IDs (host_port) are new to Consul. A real agent refuses to
    // sync a registration whose ID the catalog still holds under another service name unless the
    // token may write that one too, and a previous test's deregistration may not have synced yet.
    fleet = Fleet.start(2);
    tokenFile = dir.resolve("token-" + service);
    logged = new ListAppender<>();
    logged.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logged);
  }

  @AfterEach
  void noTokenInLogs() {
    try {
      for (Pushring p : deployed) p.vertx().close().await();
      deployed.clear();
    } finally {
      ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logged);
      consul.clean();
      fleet.close();
    }
    assertThat(logged.list).as("captured log lines").isNotEmpty();
    for (ILoggingEvent e : logged.list) {
      String line = e.getFormattedMessage() + throwableText(e.getThrowableProxy());
      for (String secret : secrets) assertThat(line).as("a log line carries a token").doesNotContain(secret);
    }
  }

  // ---- the tests ----

  @Test
  void overTlsWithATokenThatHasTheRulesTheRingFormsTheRegistrarRegistersAndTheLockIsTaken() {
    AclToken token = token(fullRules());
    writeToken(token);
    Pushring p = deploy(fleet.servers(), "PUSHRING_RECONCILE_ENABLED", "true", "PUSHRING_RECONCILE_LOCK_TTL", "2s",
        "PUSHRING_RECONCILE_LOCK_LOCK_DELAY", "0s");

    consul.awaitPassingServiceIds(service, fleet.ids(), WITHIN);
    Await.until(() -> "ring " + p.ringIds(), WITHIN, () -> p.ringIds().equals(new TreeSet<>(fleet.ids())));
    Await.until("the reconcile lock", WITHIN, () -> p.app().reconciler().leader());
    assertThat(p.discovery().state()).isEqualTo("ok");
    assertNoTokenInAnswers(p);
  }

  @Test
  void aTokenWithoutServiceWriteGetsTheRegistrarsErrorNamingTheRule() {
    AclToken token = token("service \"" + service + "\" { policy = \"read\" }\nnode_prefix \"\" { policy = \"read\" }\n");
    writeToken(token);
    deploy(fleet.servers());

    String expected = "Consul refused the token: the registrar needs `service:write` on service \"" + service + "\"";
    Await.until(() -> "the registrar's refusal in the log: " + messages(), WITHIN,
        () -> messages().stream().anyMatch(m -> m.contains(expected)));
    assertThat(messages()).anyMatch(m -> m.contains(expected + " (Consul answered 403 \"Permission denied\")"));
    assertThat(consul.allServiceIds(service)).isEmpty();
  }

  @Test
  void aTokenWithoutKeyAndSessionWriteGetsTheLocksErrorNamingTheRules() {
    AclToken token = token("service \"" + service + "\" { policy = \"write\" }\nnode_prefix \"\" { policy = \"read\" }\n");
    writeToken(token);
    Pushring p = deploy(fleet.servers(), "PUSHRING_RECONCILE_ENABLED", "true", "PUSHRING_RECONCILE_LOCK_TTL", "2s");

    String expected = "Consul refused the token: the reconcile lock needs `key:write` on key \"pushring/" + service
        + "/reconcile-leader\" and `session:write` on the agent's node (Consul answered 403 \"Permission denied\")";
    Await.until(() -> "the lock's refusal in the log: " + messages(), WITHIN,
        () -> messages().stream().anyMatch(m -> m.contains(expected)));
    // what the token may do still works: registration and the ring
    consul.awaitPassingServiceIds(service, fleet.ids(), WITHIN);
    Await.until(() -> "ring " + p.ringIds(), WITHIN, () -> p.ringIds().equals(new TreeSet<>(fleet.ids())));
    assertThat(p.app().reconciler().leader()).isFalse();
  }

  @Test
  void aTokenThatMayNotReadTheServiceOrIsRevokedLeavesTheRingAsItWas() {
    AclToken full = token(fullRules());
    writeToken(full);
    consul.registerService(fleet.id(0), service, fleet.get(0).host(), fleet.get(0).port());
    consul.registerService(fleet.id(1), service, fleet.get(1).host(), fleet.get(1).port());
    Pushring p = deploy(List.of());
    Set<String> all = new TreeSet<>(fleet.ids());
    Await.until(() -> "ring " + p.ringIds(), WITHIN, () -> p.ringIds().equals(all));
    long version = p.ring().version();

    // node:read only: Consul 1.4 answers the health query with an empty list, not a refusal
    AclToken blind = token("node_prefix \"\" { policy = \"read\" }\n");
    writeToken(blind);
    Await.until(() -> "the hidden-by-ACL warning: " + messages(), WITHIN, () -> messages().stream()
        .anyMatch(m -> m.contains("Consul lists no passing '" + service + "' instance for this token")
            && m.contains("`service:read` on service \"" + service + "\"")));
    assertThat(p.ringIds()).isEqualTo(all);

    // revoked: a 403 for every query; the ring stays, the status says why
    consul.revokeToken(blind);
    Await.until(() -> "discovery failing on the revoked token: " + p.discovery(), WITHIN,
        () -> "failing".equals(p.discovery().state()) && p.discovery().lastError().contains("does not know the ACL token"));
    assertThat(p.discovery().lastError()).contains("discovery needs a valid token with `service:read` on service \"" + service + "\"");
    assertThat(messages()).anyMatch(m -> m.contains("Consul query failed, keeping ring v" + version)
        && m.contains("Consul answered 403 \"ACL not found\""));
    assertThat(Await.holdsWithin(Duration.ofSeconds(2), () -> !p.ringIds().equals(all)))
        .as("the ring changed while Consul refused the token").isFalse();
    assertThat(p.ring().version()).isEqualTo(version);
    assertNoTokenInAnswers(p);
  }

  @Test
  void aNewTokenWrittenIntoTheFileIsUsedWithoutRestartOnceTheOldOneIsRevoked() {
    AclToken first = token(fullRules());
    writeToken(first);
    Pushring p = deploy(fleet.servers(), "PUSHRING_RECONCILE_ENABLED", "true", "PUSHRING_RECONCILE_LOCK_TTL", "2s",
        "PUSHRING_RECONCILE_LOCK_LOCK_DELAY", "0s");
    consul.awaitPassingServiceIds(service, fleet.ids(), WITHIN);
    Await.until("the reconcile lock", WITHIN, () -> p.app().reconciler().leader());

    AclToken second = token(fullRules());
    writeToken(second);
    consul.revokeToken(first);
    Await.until(() -> "the rotation in the log: " + messages(), WITHIN,
        () -> messages().stream().anyMatch(m -> m.contains("the Consul ACL token in " + tokenFile + " changed")));

    // Work that needs the token after the rotation: the registrar puts back a service taken out
    // (service:write), discovery follows (service:read), the leader keeps renewing (session:write).
    assertThat(consul.deregisterService(fleet.id(0))).isTrue();
    consul.awaitPassingServiceIds(service, fleet.ids(), WITHIN);
    Set<String> all = new TreeSet<>(fleet.ids());
    Await.until(() -> "ring " + p.ringIds() + ", discovery " + p.discovery(), WITHIN,
        () -> p.ringIds().equals(all) && "ok".equals(p.discovery().state()));
    assertThat(Await.holdsWithin(Duration.ofSeconds(5), () -> !p.app().reconciler().leader()))
        .as("leadership lost after the rotation (the session renews with the new token)").isFalse();
    assertNoTokenInAnswers(p);
  }

  @Test
  void consulsCertificateAndNameAreCheckedAndItsDemandForAClientCertificateMet() {
    AclToken token = token(fullRules());
    writeToken(token);
    consul.registerService(fleet.id(0), service, fleet.get(0).host(), fleet.get(0).port());

    Pushring otherCa = deploy(List.of(), "PUSHRING_CONSUL_TLS_CA_FILE", certs.otherCaFile().toString());
    Pushring otherName = deploy(List.of(), "PUSHRING_CONSUL_TLS_SERVER_NAME", "server.dc2.consul");
    Pushring noClientCert = deploy(List.of(), "PUSHRING_CONSUL_TLS_CERT_FILE", "", "PUSHRING_CONSUL_TLS_KEY_FILE", "");
    Pushring skipping = deploy(List.of(), "PUSHRING_CONSUL_TLS_CA_FILE", certs.otherCaFile().toString(),
        "PUSHRING_CONSUL_TLS_SERVER_NAME", "server.dc2.consul", "PUSHRING_CONSUL_TLS_INSECURE_SKIP_VERIFY", "true");

    Set<String> one = Set.of(fleet.id(0));
    Await.until(() -> "insecure-skip-verify reaches Consul: " + skipping.discovery(), WITHIN, () -> skipping.ringIds().equals(one));
    for (Pushring refused : List.of(otherCa, otherName, noClientCert)) {
      Await.until(() -> "a refused handshake: " + refused.discovery(), WITHIN,
          () -> "failing".equals(refused.discovery().state()));
      assertThat(refused.ringIds()).isEmpty();
    }
    assertThat(messages()).anyMatch(m -> m.contains("not valid for consul.tls.server-name server.dc2.consul"));
  }

  // ---- helpers ----

  /** What the README's conf/consul-acl-policy.hcl grants, for this test's service and keys. */
  private String fullRules() {
    return "service \"" + service + "\" { policy = \"write\" }\n"
        + "node_prefix \"\" { policy = \"read\" }\n"
        + "key_prefix \"pushring/" + service + "/\" { policy = \"write\" }\n"
        + "session_prefix \"\" { policy = \"write\" }\n";
  }

  private AclToken token(String rules) {
    AclToken t = consul.createToken(rules);
    secrets.add(t.secretId());
    return t;
  }

  /** As an operator rotates a secret: a new file moved over the old one. */
  private void writeToken(AclToken token) {
    try {
      Path tmp = Files.createTempFile(dir, ".token", ".tmp");
      Files.writeString(tmp, token.secretId() + "\n");
      Files.move(tmp, tokenFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Pushring deploy(List<String> servers, String... more) {
    List<String> env = new ArrayList<>(List.of(
        "PUSHRING_CONSUL_ADDRESS", "127.0.0.1:" + consul.httpsPort(),
        "PUSHRING_CONSUL_SCHEME", "https",
        "PUSHRING_CONSUL_TOKEN_FILE", tokenFile.toString(),
        "PUSHRING_CONSUL_TLS_CA_FILE", certs.caFile().toString(),
        "PUSHRING_CONSUL_TLS_SERVER_NAME", ConsulCerts.SERVER_NAME,
        "PUSHRING_CONSUL_TLS_CERT_FILE", certs.clientCertFile().toString(),
        "PUSHRING_CONSUL_TLS_KEY_FILE", certs.clientKeyFile().toString()));
    env.addAll(List.of(more));
    PushringConfig config = ConsulModeConfig.of(consul, service, servers, env.toArray(String[]::new));
    Vertx vertx = Vertx.vertx();
    try {
      PushringApp app = PushringApp.deploy(vertx, config).await();
      Pushring p = new Pushring(vertx, app.port(), config, app);
      deployed.add(p);
      return p;
    } catch (RuntimeException e) {
      vertx.close().await();
      throw e;
    }
  }

  private void assertNoTokenInAnswers(Pushring p) {
    for (String path : List.of("/", "/api/v1/ring", "/api/v1/stats", "/api/v1/reconcile", "/metrics",
        "/api/v1/route?path=/metrics/job/x")) {
      JdkHttp.Response r = http.get(p.port(), path);
      for (String secret : secrets) assertThat(r.body()).as("GET %s carries a token", path).doesNotContain(secret);
    }
    for (String secret : secrets) {
      assertThat(String.valueOf(p.config())).doesNotContain(secret);
      assertThat(String.valueOf(p.discovery())).doesNotContain(secret);
    }
  }

  private List<String> messages() {
    return new ArrayList<>(logged.list).stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  private static String throwableText(IThrowableProxy t) {
    StringBuilder out = new StringBuilder();
    for (IThrowableProxy at = t; at != null; at = at.getCause()) out.append(' ').append(at.getMessage());
    return out.toString();
  }
}
