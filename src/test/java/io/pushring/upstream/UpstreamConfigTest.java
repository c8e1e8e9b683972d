package io.pushring.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushring.config.ConfigException;
import io.pushring.config.ConfigLoader;
import io.pushring.config.PushringConfig;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys of TLS and credentials toward the Pushgateways: what the loader refuses, and files that cannot be read. */
class UpstreamConfigTest {
  private static final Vertx VERTX = Vertx.vertx();
  @TempDir Path dir;

  @AfterAll
  static void close() {
    VERTX.close().await();
  }

  private static PushringConfig load(String... env) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i + 1 < env.length; i += 2) m.put(env[i], env[i + 1]);
    return ConfigLoader.load(Map.of(), m);
  }

  @Test
  void tlsSettingsUnderHttpAreRefusedNamingTheScheme() {
    assertThatThrownBy(() -> load("PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", "/ca.pem")).isInstanceOf(ConfigException.class)
        .hasMessage("pushgateways.scheme: is http but pushgateways.tls.ca-file is set (TLS settings apply to https only)");
    assertThatThrownBy(() -> load("PUSHRING_PUSHGATEWAYS_TLS_INSECURE_SKIP_VERIFY", "true"))
        .hasMessageContaining("pushgateways.tls.insecure-skip-verify is set");
  }

  @Test
  void keysThatGoTogetherOrExcludeEachOther() {
    assertThatThrownBy(() -> load("PUSHRING_PUSHGATEWAYS_SCHEME", "https", "PUSHRING_PUSHGATEWAYS_TLS_CERT_FILE", "/c.pem"))
        .hasMessageStartingWith("pushgateways.tls.key-file: pushgateways.tls.cert-file and pushgateways.tls.key-file go together");
    assertThatThrownBy(() -> load("PUSHRING_PUSHGATEWAYS_BASIC_AUTH_USERNAME", "fleet"))
        .hasMessageStartingWith("pushgateways.basic-auth.password-file: ");
    assertThatThrownBy(() -> load("PUSHRING_PUSHGATEWAYS_BASIC_AUTH_USERNAME", "fleet",
        "PUSHRING_PUSHGATEWAYS_BASIC_AUTH_PASSWORD_FILE", "/pw", "PUSHRING_PUSHGATEWAYS_BEARER_TOKEN_FILE", "/tok"))
        .hasMessageStartingWith("pushgateways.bearer-token-file (PUSHRING_PUSHGATEWAYS_BEARER_TOKEN_FILE): cannot be set with pushgateways.basic-auth");
    assertThatThrownBy(() -> load("PUSHRING_PUSHGATEWAYS_SCHEME", "https", "PUSHRING_PUSHGATEWAYS_TLS_SERVER_NAME", "not a name"))
        .hasMessageStartingWith("pushgateways.tls.server-name");
  }

  @Test
  void filesThatCannotBeReadStopTheStartNamingTheirKey() throws Exception {
    PushringConfig missingCa = load("PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", dir.resolve("nope.pem").toString());
    assertThatThrownBy(() -> Upstream.load(VERTX, missingCa.pushgateways())).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("pushgateways.tls.ca-file: cannot read");
    Path notPem = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    PushringConfig garbage = load("PUSHRING_PUSHGATEWAYS_SCHEME", "https", "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", notPem.toString());
    assertThatThrownBy(() -> Upstream.load(VERTX, garbage.pushgateways())).hasMessageStartingWith("pushgateways.tls.ca-file: ");
    PushringConfig missingKey = load("PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CERT_FILE", notPem.toString(), "PUSHRING_PUSHGATEWAYS_TLS_KEY_FILE", dir.resolve("k").toString());
    assertThatThrownBy(() -> Upstream.load(VERTX, missingKey.pushgateways()))
        .hasMessageStartingWith("pushgateways.tls.key-file: cannot read");
    PushringConfig badPair = load("PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CERT_FILE", notPem.toString(), "PUSHRING_PUSHGATEWAYS_TLS_KEY_FILE", notPem.toString());
    assertThatThrownBy(() -> Upstream.load(VERTX, badPair.pushgateways())).hasMessageStartingWith("pushgateways.tls.cert-file: cannot load");
    // The defaults: plain http, nothing read.
    Upstream plain = Upstream.load(VERTX, load().pushgateways());
    assertThat(plain.ssl()).isFalse();
    assertThat(plain.credential().authorization()).isNull();
  }
}
