package io.pushring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushring.web.WebConfig.ClientAuth;
import io.pushring.web.WebConfig.Tls;
import io.pushring.web.WebConfig.TlsVersion;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WebConfigParserTest {
  static final Path FILE = Path.of("/etc/pushring/web.yml");
  static final String HASH = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

  private static WebConfig parse(String yaml) {
    return WebConfigParser.parse(yaml, FILE);
  }

  private static void refused(String yaml, String key, String messagePart) {
    assertThatThrownBy(() -> parse(yaml))
        .isInstanceOf(WebConfigException.class)
        .satisfies(e -> assertThat(((WebConfigException) e).key()).isEqualTo(key))
        .hasMessageContaining(messagePart)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(HASH));
  }

  @Test
  void emptyFileIsPlainHttpWithoutAuth() {
    assertThat(parse("")).isEqualTo(new WebConfig(Optional.empty(), Map.of(), Map.of(), true));
    assertThat(parse("# nothing\n")).isEqualTo(new WebConfig(Optional.empty(), Map.of(), Map.of(), true));
    assertThat(parse("tls_server_config:\n").tls()).isEmpty();
  }

  @Test
  void everyKeyWithRelativePathsResolvedAgainstTheFilesDirectory() {
    WebConfig c = parse("""
        tls_server_config:
          cert_file: certs/server.pem
          key_file: /abs/server.key
          client_auth_type: RequireAndVerifyClientCert
          client_ca_file: ca.pem
          min_version: TLS13
          max_version: TLS13
          cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]
          curve_preferences: [X25519, CurveP256]
          prefer_server_cipher_suites: false
        http_server_config:
          http2: no
          headers:
            X-Frame-Options: deny
            Strict-Transport-Security: max-age=31536000
        basic_auth_users:
          alice: '%s'
        """.formatted(HASH));
    assertThat(c.tls()).contains(new Tls(Path.of("/etc/pushring/certs/server.pem"), Path.of("/abs/server.key"),
        ClientAuth.REQUIRE_AND_VERIFY_CLIENT_CERT, Optional.of(Path.of("/etc/pushring/ca.pem")), TlsVersion.TLS13,
        TlsVersion.TLS13, List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"),
        List.of("x25519", "secp256r1"), false));
    assertThat(c.http2()).isFalse();
    assertThat(c.headers()).containsOnly(Map.entry("X-Frame-Options", "deny"),
        Map.entry("Strict-Transport-Security", "max-age=31536000"));
    assertThat(c.users()).containsOnly(Map.entry("alice", HASH));
    assertThat(c.toString()).doesNotContain(HASH);
  }

  @Test
  void defaultsAsTheToolkit() {
    Tls tls = parse("tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n").tls().orElseThrow();
    assertThat(tls.clientAuth()).isEqualTo(ClientAuth.NO_CLIENT_CERT);
    assertThat(tls.minVersion()).isEqualTo(TlsVersion.TLS12);
    assertThat(tls.maxVersion()).isEqualTo(TlsVersion.TLS13);
    assertThat(tls.preferServerCipherSuites()).isTrue();
    assertThat(parse("http_server_config:\n  headers:\n").http2()).isTrue();
    // go-yaml: a null value is the type's zero value
    assertThat(parse("http_server_config:\n  http2:\n").http2()).isFalse();
    assertThat(parse("tls_server_config:\n  client_auth_type: RequireClientCert\n  cert_file: c\n  key_file: k\n")
        .tls().orElseThrow().clientAuth()).isEqualTo(ClientAuth.REQUIRE_ANY_CLIENT_CERT);
    // any scalar is text for a string field, as go-yaml decodes it
    assertThat(parse("tls_server_config:\n  cert_file: 123\n  key_file: true\n").tls().orElseThrow().keyFile())
        .isEqualTo(Path.of("/etc/pushring/true"));
  }

  @Test
  void unknownAndDuplicateKeysAreRefusedByName() {
    refused("foo: 1\n", "foo", "unknown key");
    refused("tls_server_config:\n  client_allowed_sans: [a]\n", "tls_server_config.client_allowed_sans", "unknown key");
    refused("http_server_config:\n  header: {}\n", "http_server_config.header", "unknown key");
    refused("rate_limit:\n  burst: 1\n", "rate_limit", "unknown key");
    refused("basic_auth_users:\nbasic_auth_users:\n", "basic_auth_users", "set twice");
    refused("basic_auth_users:\n  a: '" + HASH + "'\n  a: '" + HASH + "'\n", "basic_auth_users.a", "set twice");
  }

  @Test
  void wrongTypes() {
    refused("http_server_config:\n  http2: \"true\"\n", "http_server_config.http2", "expected true or false");
    refused("http_server_config:\n  http2: 1\n", "http_server_config.http2", "expected true or false");
    refused("tls_server_config: [a]\n", "tls_server_config", "expected a mapping");
    refused("tls_server_config:\n  cipher_suites: TLS_AES_128_GCM_SHA256\n", "tls_server_config.cipher_suites", "expected a list");
    refused("tls_server_config:\n  cert_file: [a]\n", "tls_server_config.cert_file", "expected a string");
    refused("- a\n", "", "expected a mapping");
    refused("a: [\n", "", "invalid YAML");
  }

  @Test
  void tlsValuesAsTheToolkitChecksThem() {
    String t = "tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n";
    refused(t + "  client_auth_type: Foo\n", "tls_server_config.client_auth_type", "invalid client_auth_type: Foo");
    refused(t + "  min_version: TLS14\n", "tls_server_config.min_version", "unknown TLS version: TLS14");
    refused(t + "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n", "tls_server_config.cipher_suites", "unknown cipher");
    refused(t + "  curve_preferences: [X448]\n", "tls_server_config.curve_preferences", "unknown curve: X448");
    refused(t + "  client_ca_file: ca.pem\n", "tls_server_config.client_ca_file", "without a client auth policy");
    refused("tls_server_config:\n  client_auth_type: NoClientCert\n", "tls_server_config.cert_file", "missing cert_file");
    refused("tls_server_config:\n  cert_file: c.pem\n", "tls_server_config.key_file", "missing key_file");
    refused(t + "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n", "tls_server_config.cipher_suites",
        "HTTP/2");
    // without HTTP/2 the same list is fine
    assertThat(parse(t + "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\nhttp_server_config:\n  http2: false\n")
        .tls()).isPresent();
    // stricter than the Pushgateway on purpose: it starts, then fails every handshake
    refused(t + "  min_version: TLS13\n  max_version: TLS12\n", "tls_server_config.min_version", "above max_version");
    // only versions, ciphers... without cert, key, CA or client auth: no TLS, as the toolkit decides
    assertThat(parse("tls_server_config:\n  min_version: TLS13\n").tls()).isEmpty();
  }

  @Test
  void headersLimitedToTheToolkitsFive() {
    refused("http_server_config:\n  headers:\n    X-Foo: bar\n", "http_server_config.headers.X-Foo", "can not be configured");
    refused("http_server_config:\n  headers:\n    x-frame-options: deny\n", "http_server_config.headers.x-frame-options",
        "can not be configured");
    refused("http_server_config:\n  headers:\n    X-Frame-Options: allow\n", "http_server_config.headers.X-Frame-Options",
        "one of deny, sameorigin");
    refused("http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
        "http_server_config.headers.X-Content-Type-Options", "nosniff");
    assertThat(parse("http_server_config:\n  headers:\n    Content-Security-Policy: default-src 'self'\n").headers())
        .containsEntry("Content-Security-Policy", "default-src 'self'");
  }

  @Test
  void shippedExampleParses() throws Exception {
    Path example = Path.of("conf", "web-config.example.yml");
    WebConfig c = WebConfigParser.parse(java.nio.file.Files.readString(example), example);
    assertThat(c.tls().orElseThrow().certFile()).isEqualTo(example.toAbsolutePath().getParent().resolve("server.crt"));
    assertThat(c.headers()).containsEntry("X-Frame-Options", "deny");
    assertThat(c.users()).isEmpty();
  }

  @Test
  void bcryptHashesOnly() {
    refused("basic_auth_users:\n  a: notahash\n", "basic_auth_users.a", "not a bcrypt hash");
    refused("basic_auth_users:\n  a: 12\n", "basic_auth_users.a", "not a bcrypt hash");
    refused("basic_auth_users:\n  a: '" + HASH.replace("$2y$", "$2x$") + "'\n", "basic_auth_users.a", "not a bcrypt hash");
    refused("basic_auth_users:\n  a: '" + HASH.replace("$10$", "$03$") + "'\n", "basic_auth_users.a", "not a bcrypt hash");
    for (String v : List.of("$2a$", "$2b$", "$2y$")) {
      assertThat(parse("basic_auth_users:\n  a: '" + HASH.replace("$2y$", v) + "'\n").users()).hasSize(1);
    }
  }
}
