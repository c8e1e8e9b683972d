package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushring.config.ConfigLoader;
import io.pushring.config.PushringConfig;
import io.pushring.testing.consul.ConsulCerts;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pure and file-reading parts of the Consul link: messages, the token file, the TLS material. */
class ConsulLinkPartsTest {
  private static final String SECRET = "6c1f6b8e-0000-4000-8000-000000000042";
  private final Vertx vertx = Vertx.vertx();
  @TempDir Path dir;

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private static PushringConfig config(String... pairs) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i + 1 < pairs.length; i += 2) env.put(pairs[i], pairs[i + 1]);
    return ConfigLoader.load(Map.of(), env);
  }

  @Test
  void refusalsNameTheRuleAndQuoteConsulNeverTheToken() {
    assertThat(ConsulAcl.refusal("the registrar", ConsulAcl.registrarRules("pushgateway"), "Permission denied"))
        .isEqualTo("Consul refused the token: the registrar needs `service:write` on service \"pushgateway\""
            + " (Consul answered 403 \"Permission denied\")");
    assertThat(ConsulAcl.refusal("discovery", ConsulAcl.discoveryRules("pgw"), "ACL not found\n"))
        .isEqualTo("Consul does not know the ACL token (revoked, expired or mistyped; Consul answered 403 \"ACL not found\"):"
            + " discovery needs a valid token with `service:read` on service \"pgw\" and `node:read` on the nodes of its instances");
    assertThat(ConsulAcl.lockRules("pushring/pgw/reconcile-leader"))
        .isEqualTo("`key:write` on key \"pushring/pgw/reconcile-leader\" and `session:write` on the agent's node");
    assertThat(ConsulAcl.refusal("x", "y", "z".repeat(500))).hasSizeLessThan(200);
  }

  @Test
  void theConfigurationPrintsNoToken() {
    PushringConfig c = config("PUSHRING_CONSUL_TOKEN", SECRET);
    assertThat(c.consul().token()).isEqualTo(SECRET);
    assertThat(c.toString()).doesNotContain(SECRET).contains("token=(set)");
    assertThat(ConsulSettings.from(c).toString()).doesNotContain(SECRET);
    assertThat(ConsulToken.fixed(SECRET).toString()).doesNotContain(SECRET);
  }

  @Test
  void tokenAndTokenFileExcludeEachOther() {
    assertThatThrownBy(() -> config("PUSHRING_CONSUL_TOKEN", SECRET, "PUSHRING_CONSUL_TOKEN_FILE", "/run/t"))
        .hasMessageContaining("consul.token-file").hasMessageContaining("cannot be set together with consul.token")
        .message().doesNotContain(SECRET);
  }

  @Test
  void theTokenFileIsReadTrimmedAndReReadWhenItChanges() throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "  first-token\n");
    ConsulToken token = ConsulToken.open(vertx, ConsulSettings.from(config("PUSHRING_CONSUL_TOKEN_FILE", file.toString()))).await();
    assertThat(token.value()).isEqualTo("first-token");
    assertThat(token.reload(vertx).await()).as("unchanged file").isFalse();

    Path tmp = dir.resolve("token.tmp");
    Files.writeString(tmp, "second-token-of-another-length\n");
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    assertThat(token.reload(vertx).await()).isTrue();
    assertThat(token.value()).isEqualTo("second-token-of-another-length");

    // half-way through a rotation: gone, then empty; the token in use stays
    Files.delete(file);
    assertThat(token.reload(vertx).await()).isFalse();
    Files.writeString(file, "\n");
    assertThat(token.reload(vertx).await()).isFalse();
    assertThat(token.value()).isEqualTo("second-token-of-another-length");
  }

  @Test
  void anUnreadableOrBadTokenFileStopsTheStartNamingTheKeyNotTheContent() throws Exception {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> ConsulToken.open(vertx, ConsulSettings.from(config("PUSHRING_CONSUL_TOKEN_FILE", missing.toString()))).await())
        .hasMessage("consul.token-file: cannot read " + missing + " (NoSuchFileException)");
    Path bad = dir.resolve("bad");
    Files.writeString(bad, SECRET + " second line");
    assertThatThrownBy(() -> ConsulToken.open(vertx, ConsulSettings.from(config("PUSHRING_CONSUL_TOKEN_FILE", bad.toString()))).await())
        .hasMessageContaining("consul.token-file " + bad + ": the token holds a character that cannot go in an HTTP header")
        .message().doesNotContain(SECRET);
  }

  @Test
  void tlsFilesAreCheckedAtStart() {
    ConsulCerts certs = ConsulCerts.create(dir.resolve("pki"));
    assertThat(ConsulTls.load(ConsulSettings.from(config("PUSHRING_CONSUL_SCHEME", "https",
        "PUSHRING_CONSUL_TLS_CA_FILE", certs.caFile().toString())))).isNotNull();
    assertThatThrownBy(() -> ConsulTls.load(ConsulSettings.from(config("PUSHRING_CONSUL_SCHEME", "https",
        "PUSHRING_CONSUL_TLS_CA_FILE", dir.resolve("missing.pem").toString()))))
        .hasMessage("consul.tls.ca-file: cannot read " + dir.resolve("missing.pem") + " (NoSuchFileException)");
    assertThatThrownBy(() -> ConsulTls.load(ConsulSettings.from(config("PUSHRING_CONSUL_SCHEME", "https",
        "PUSHRING_CONSUL_TLS_CA_FILE", certs.keyFile().toString()))))
        .hasMessageContaining("consul.tls.ca-file");
    assertThatThrownBy(() -> ConsulTls.load(ConsulSettings.from(config("PUSHRING_CONSUL_SCHEME", "https",
        "PUSHRING_CONSUL_TLS_CERT_FILE", certs.clientCertFile().toString()))))
        .hasMessage("consul.tls.cert-file and consul.tls.key-file go together: set both or neither");
  }

  @Test
  void theServerNameMatchesDnsAndIpNamesOfTheCertificate() throws Exception {
    ConsulCerts certs = ConsulCerts.create(dir.resolve("pki"));
    X509Certificate server = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certs.certFile())));
    assertThat(ConsulTls.matches(server, "server.dc1.consul")).isTrue();
    assertThat(ConsulTls.matches(server, "SERVER.dc1.consul.")).isTrue();
    assertThat(ConsulTls.matches(server, "localhost")).isTrue();
    assertThat(ConsulTls.matches(server, "127.0.0.1")).isTrue();
    assertThat(ConsulTls.matches(server, "server.dc2.consul")).isFalse();
    assertThat(ConsulTls.matches(server, "dc1.consul")).isFalse();
    X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certs.caFile())));
    String caName = ca.getSubjectX500Principal().getName().replace("CN=", "");
    assertThat(ConsulTls.matches(ca, caName)).as("the common name is no fallback (no SAN: no name)").isFalse();
  }
}
