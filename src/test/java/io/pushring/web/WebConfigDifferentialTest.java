package io.pushring.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.testing.FreePorts;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.TestPki;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same web configuration files given to a real Pushgateway 1.5.1 ({@code --web.config.file}) and to
 * pushring's loader: both start, or both refuse. A Pushgateway that refuses its file logs the error and
 * exits (with status 0); one that accepts it keeps serving. Each case also states the expected verdict,
 * so the test fails if both sides went wrong the same way. The files on which pushring is stricter on
 * purpose are listed apart, and checked to be exactly that.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebConfigDifferentialTest {
  /** A Pushgateway still running after this long has accepted its file (a refusal exits within milliseconds). */
  static final long ACCEPTED_AFTER_MILLIS = 2_000;

  @TempDir static Path dir;
  Vertx vertx;
  String hashA;
  String hashB;
  String hashY;

  @BeforeAll
  void files() throws IOException {
    vertx = Vertx.vertx();
    TestPki.Ca ca = TestPki.ca("differential CA");
    ca.writeCert(dir.resolve("ca.pem"));
    TestPki.Issued server = ca.issue("localhost", "127.0.0.1");
    server.writeCert(dir.resolve("cert.pem"));
    server.writeKey(dir.resolve("key.pem"));
    ca.issue("other").writeKey(dir.resolve("other.key"));
    Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    byte[] salt = new byte[16];
    hashA = OpenBSDBCrypt.generate("2a", "pw".getBytes(StandardCharsets.UTF_8), salt, 4);
    hashB = OpenBSDBCrypt.generate("2b", "pw".getBytes(StandardCharsets.UTF_8), salt, 4);
    hashY = OpenBSDBCrypt.generate("2y", "pw".getBytes(StandardCharsets.UTF_8), salt, 4);
  }

  @AfterAll
  void close() {
    vertx.close().await();
  }

  static final String TLS = "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n";

  /** name -> (file, whether it is valid). */
  Map<String, Case> cases() {
    Map<String, Case> c = new LinkedHashMap<>();
    // accepted
    c.put("empty file", ok(""));
    c.put("tls", ok(TLS));
    c.put("tls, absolute paths", ok("tls_server_config:\n  cert_file: " + dir.resolve("cert.pem") + "\n  key_file: "
        + dir.resolve("key.pem") + "\n"));
    c.put("mTLS required", ok(TLS + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n"));
    c.put("mTLS if given", ok(TLS + "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.pem\n"));
    c.put("request cert", ok(TLS + "  client_auth_type: RequestClientCert\n"));
    c.put("require any cert", ok(TLS + "  client_auth_type: RequireAnyClientCert\n"));
    c.put("old RequireClientCert", ok(TLS + "  client_auth_type: RequireClientCert\n"));
    c.put("no client cert", ok(TLS + "  client_auth_type: NoClientCert\n"));
    c.put("TLS 1.3 only", ok(TLS + "  min_version: TLS13\n"));
    c.put("TLS 1.0 to 1.2", ok(TLS + "  min_version: TLS10\n  max_version: TLS12\n"));
    c.put("ciphers with the HTTP/2 one", ok(TLS + "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,"
        + " TLS_RSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256]\n"));
    c.put("ciphers without it, no HTTP/2", ok(TLS + "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"
        + "http_server_config:\n  http2: false\n"));
    c.put("curves", ok(TLS + "  curve_preferences: [CurveP256, CurveP384, CurveP521, X25519]\n"));
    c.put("prefer server ciphers off", ok(TLS + "  prefer_server_cipher_suites: false\n"));
    c.put("users of each bcrypt version", ok("basic_auth_users:\n  a: '" + hashA + "'\n  b: '" + hashB + "'\n  y: '"
        + hashY + "'\n"));
    c.put("headers", ok("http_server_config:\n  headers:\n    X-Frame-Options: sameorigin\n"
        + "    X-Content-Type-Options: nosniff\n    Strict-Transport-Security: max-age=3600\n"
        + "    X-XSS-Protection: 1; mode=block\n    Content-Security-Policy: default-src 'self'\n"));
    c.put("http2 yes", ok("http_server_config:\n  http2: yes\n"));
    c.put("null tls section", ok("tls_server_config:\n"));
    c.put("versions only: no TLS", ok("tls_server_config:\n  min_version: TLS13\n"));
    c.put("everything", ok(TLS + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n"
        + "basic_auth_users:\n  a: '" + hashY + "'\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n"));
    // refused
    c.put("unknown top key", bad("foo: 1\n"));
    c.put("rate_limit (a later toolkit's key)", bad("rate_limit:\n  burst: 1\n"));
    c.put("client_allowed_sans (a later toolkit's key)", bad(TLS + "  client_allowed_sans: [a]\n"));
    c.put("inline cert (a later toolkit's key)", bad("tls_server_config:\n  cert: x\n"));
    c.put("duplicate key", bad("basic_auth_users:\nbasic_auth_users:\n"));
    c.put("no key_file", bad("tls_server_config:\n  cert_file: cert.pem\n"));
    c.put("client auth only", bad("tls_server_config:\n  client_auth_type: NoClientCert\n"));
    c.put("key of another cert", bad("tls_server_config:\n  cert_file: cert.pem\n  key_file: other.key\n"));
    c.put("missing cert file", bad("tls_server_config:\n  cert_file: nope.pem\n  key_file: key.pem\n"));
    c.put("cert not PEM", bad("tls_server_config:\n  cert_file: garbage.pem\n  key_file: key.pem\n"));
    c.put("missing CA file", bad(TLS + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: nope.pem\n"));
    c.put("CA without client auth", bad(TLS + "  client_ca_file: ca.pem\n"));
    c.put("bad client auth", bad(TLS + "  client_auth_type: Foo\n"));
    c.put("bad version", bad(TLS + "  min_version: TLS14\n"));
    c.put("RC4 cipher", bad(TLS + "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n"));
    c.put("CBC-SHA256 cipher (Go: insecure)", bad(TLS + "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256]\n"
        + "http_server_config:\n  http2: false\n"));
    c.put("unknown curve", bad(TLS + "  curve_preferences: [X448]\n"));
    c.put("ciphers without the HTTP/2 one", bad(TLS + "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"));
    c.put("header not allowed", bad("http_server_config:\n  headers:\n    X-Foo: bar\n"));
    c.put("header lower case", bad("http_server_config:\n  headers:\n    x-frame-options: deny\n"));
    c.put("header bad value", bad("http_server_config:\n  headers:\n    X-Frame-Options: allow\n"));
    c.put("plain password", bad("basic_auth_users:\n  a: pw\n"));
    c.put("number as password", bad("basic_auth_users:\n  a: 12\n"));
    c.put("quoted boolean", bad("http_server_config:\n  http2: \"true\"\n"));
    c.put("invalid YAML", bad("basic_auth_users: [\n"));
    c.put("list at the top", bad("- a\n"));
    return c;
  }

  /** Files Pushgateway 1.5.1 starts with, and then cannot serve with: pushring refuses them at start. */
  Map<String, String> strictOnPurpose() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("min above max (every handshake fails)", TLS + "  min_version: TLS13\n  max_version: TLS12\n");
    c.put("$2x$ hash (no password ever matches)", "basic_auth_users:\n  a: '" + hashY.replace("$2y$", "$2x$") + "'\n");
    return c;
  }

  record Case(String yaml, boolean valid) {}

  static Case ok(String yaml) { return new Case(yaml, true); }

  static Case bad(String yaml) { return new Case(yaml, false); }

  @Test
  void pushgatewayAndPushringAgreeOnEveryFile() throws Exception {
    Map<String, Case> cases = cases();
    Map<String, Path> files = new LinkedHashMap<>();
    int i = 0;
    for (Map.Entry<String, Case> e : cases.entrySet()) {
      Path f = dir.resolve("web-" + (i++) + ".yml");
      Files.writeString(f, e.getValue().yaml());
      files.put(e.getKey(), f);
    }
    Map<String, Boolean> pushgateway = pushgatewayVerdicts(files);
    List<String> disagreements = new ArrayList<>();
    for (Map.Entry<String, Case> e : cases.entrySet()) {
      String name = e.getKey();
      String pushringSays = pushringVerdict(files.get(name));
      boolean pushringAccepts = pushringSays == null;
      boolean pgAccepts = pushgateway.get(name);
      if (pushringAccepts != pgAccepts || pgAccepts != e.getValue().valid()) {
        disagreements.add(name + ": expected " + (e.getValue().valid() ? "accepted" : "refused") + ", Pushgateway "
            + (pgAccepts ? "accepted" : "refused") + ", pushring " + (pushringAccepts ? "accepted" : "refused: " + pushringSays));
      }
    }
    assertThat(disagreements).as("%d files", cases.size()).isEmpty();
  }

  @Test
  void stricterThanThePushgatewayOnlyWhereItCannotServe() throws Exception {
    Map<String, Path> files = new LinkedHashMap<>();
    int i = 0;
    for (Map.Entry<String, String> e : strictOnPurpose().entrySet()) {
      Path f = dir.resolve("strict-" + (i++) + ".yml");
      Files.writeString(f, e.getValue());
      files.put(e.getKey(), f);
    }
    Map<String, Boolean> pushgateway = pushgatewayVerdicts(files);
    for (String name : files.keySet()) {
      assertThat(pushgateway.get(name)).as("Pushgateway starts with: " + name).isTrue();
      assertThat(pushringVerdict(files.get(name))).as("pushring refuses: " + name).isNotNull();
    }
  }

  /** Null when pushring accepts the file, else its message. */
  private String pushringVerdict(Path file) {
    try {
      WebConfigLoader.load(file, vertx);
      return null;
    } catch (WebConfigException e) {
      return e.getMessage();
    }
  }

  /** Whether a Pushgateway 1.5.1 keeps running with each file (several at once: each waits ~2 s). */
  private Map<String, Boolean> pushgatewayVerdicts(Map<String, Path> files) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      Map<String, Future<Boolean>> running = new LinkedHashMap<>();
      files.forEach((name, file) -> running.put(name, pool.submit(() -> pushgatewayAccepts(file))));
      Map<String, Boolean> out = new LinkedHashMap<>();
      for (Map.Entry<String, Future<Boolean>> e : running.entrySet()) out.put(e.getKey(), e.getValue().get());
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private static boolean pushgatewayAccepts(Path file) throws Exception {
    Process p = new ProcessBuilder(PushgatewayProcess.BINARY, "--persistence.file=",
        "--web.listen-address=127.0.0.1:" + FreePorts.find(), "--web.config.file=" + file)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      return !p.waitFor(ACCEPTED_AFTER_MILLIS, TimeUnit.MILLISECONDS);
    } finally {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
