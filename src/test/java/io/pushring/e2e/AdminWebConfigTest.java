package io.pushring.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushring.PushringApp;
import io.pushring.config.ConfigException;
import io.pushring.testing.TestConfig;
import io.pushring.testing.TestPki;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code http.admin-web-config-file}: the admin listener with its own web configuration (TLS with a
 * certificate made here, a bcrypt user), real curl handshakes; the push port keeps its own (here: none).
 */
class AdminWebConfigTest {
  private static final String MEMBERS = "10.0.0.1:9091,10.0.0.2:9091";

  @TempDir Path dir;
  private Path caFile;
  private Path webConfig;
  private Vertx vertx;

  @BeforeEach
  void pki() {
    TestPki.Ca ca = TestPki.ca("pushring admin test CA");
    caFile = ca.writeCert(dir.resolve("ca.pem"));
    TestPki.Issued server = ca.issue("localhost", "127.0.0.1");
    server.writeCert(dir.resolve("server.pem"));
    server.writeKey(dir.resolve("server.key"));
    webConfig = dir.resolve("admin-web.yml");
  }

  @AfterEach
  void stop() {
    if (vertx != null) vertx.close().await();
  }

  @Test
  void theAdminListenerHasItsOwnTlsAndUsersAndThePushPortKeepsItsOwn() throws IOException {
    Files.writeString(webConfig, WebConfigEndToEndTest.tlsAndUsers(
        "  operator: '" + WebConfigEndToEndTest.hash("admin pass") + "'\n"));
    vertx = Vertx.vertx();
    PushringApp app = PushringApp.deploy(vertx, TestConfig.staticMembers(MEMBERS,
        "PUSHRING_HTTP_ADMIN", "127.0.0.1:0", "PUSHRING_HTTP_ADMIN_WEB_CONFIG_FILE", webConfig.toString())).await();
    String admin = "https://localhost:" + app.adminPort();

    Curl ok = curl("-u", "operator:admin pass", admin + "/api/v1/ring");
    assertThat(ok.status()).as(ok.out()).isEqualTo(200);
    // The file's header wins over pushring's default of the same name (DENY); the other defaults stay.
    // (HTTP/2 through ALPN: header names in lower case; the value tells whose it is.)
    assertThat(ok.out()).contains("10.0.0.1_9091", "x-frame-options: deny", "referrer-policy: no-referrer")
        .doesNotContain("x-frame-options: DENY");
    Curl none = curl(admin + "/api/v1/tap");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.out()).containsIgnoringCase("www-authenticate: Basic");
    assertThat(curl("-u", "operator:wrong", admin + "/metrics").status()).isEqualTo(401);
    // Every path of the listener, as the toolkit does: the probes too.
    assertThat(curl(admin + "/-/healthy").status()).isEqualTo(401);
    // Plain HTTP to the TLS listener: no HTTP answer.
    assertThat(curl("http://127.0.0.1:" + app.adminPort() + "/api/v1/ring").status()).isZero();

    // The push port: plain HTTP, no users (its http.web-config-file is unset); no operator endpoint.
    String push = "http://127.0.0.1:" + app.port();
    assertThat(curl("-X", "PUT", "--data-binary", "m 1\n", push + "/metrics/job/admin-web/instance/a").status()).isEqualTo(307);
    assertThat(curl(push + "/-/ready").status()).isEqualTo(200);
    assertThat(curl("-u", "operator:admin pass", push + "/api/v1/ring").status()).isEqualTo(404);
  }

  @Test
  void anAdminWebConfigWithoutAdminListenerOrThatDoesNotLoadIsRefusedNamingTheKey() throws IOException {
    assertThatThrownBy(() -> TestConfig.staticMembers(MEMBERS, "PUSHRING_HTTP_ADMIN_WEB_CONFIG_FILE", webConfig.toString()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("http.admin-web-config-file").hasMessageContaining("http.admin");
    Files.writeString(webConfig, "basic_auth_users:\n  operator: not-a-bcrypt-hash\n");
    vertx = Vertx.vertx();
    assertThatThrownBy(() -> PushringApp.deploy(vertx, TestConfig.staticMembers(MEMBERS,
        "PUSHRING_HTTP_ADMIN", "127.0.0.1:0", "PUSHRING_HTTP_ADMIN_WEB_CONFIG_FILE", webConfig.toString())).await())
        .isInstanceOf(ConfigException.class).hasMessageContaining("http.admin-web-config-file")
        .hasMessageNotContaining("not-a-bcrypt-hash");
  }

  record Curl(int exit, int status, String out) {}

  /** curl -sS -i with the test CA trusted; status 0 when no HTTP answer came. */
  private Curl curl(String... args) {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-i", "--max-time", "10", "--cacert", caFile.toString()));
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
}
