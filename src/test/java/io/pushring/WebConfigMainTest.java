package io.pushring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A web configuration pushring refuses stops the process with exit status 2 and one line naming the key. */
class WebConfigMainTest {
  @TempDir Path dir;

  record Exit(int status, String stderr) {}

  private Exit run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Pushring.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("PUSHRING_"));
    pb.environment().put("PUSHRING_HTTP_PORT", "0");
    pb.environment().put("PUSHRING_HTTP_HOST", "127.0.0.1");
    pb.environment().put("PUSHRING_DISCOVERY_MODE", "static");
    pb.environment().put("PUSHRING_DISCOVERY_STATIC_MEMBERS", "127.0.0.1:1");
    Path err = dir.resolve("stderr-" + System.nanoTime());
    pb.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("still running: " + Files.readString(err));
    }
    return new Exit(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8).strip());
  }

  @Test
  void unknownKeyExits2NamingIt() throws Exception {
    Path web = Files.writeString(dir.resolve("web.yml"), "basic_auth_users:\ntls_server_cofig:\n  cert_file: x\n");
    Exit exit = run("--web.config.file", web.toString());
    assertThat(exit.status()).isEqualTo(2);
    assertThat(exit.stderr().lines()).hasSize(1);
    assertThat(exit.stderr()).startsWith("pushring: config: http.web-config-file: " + web + ": tls_server_cofig: unknown key");
  }

  @Test
  void unreadableCertificateExits2NamingTheKey() throws Exception {
    Path web = Files.writeString(dir.resolve("web.yml"), "tls_server_config:\n  cert_file: missing.crt\n  key_file: k\n");
    Exit exit = run("--web.config.file=" + web);
    assertThat(exit.status()).isEqualTo(2);
    assertThat(exit.stderr()).startsWith("pushring: config: http.web-config-file: " + web
        + ": tls_server_config.cert_file: cannot read " + dir.resolve("missing.crt") + ": no such file");
  }

  @Test
  void theKeyInPushringYamlToo() throws Exception {
    Path web = Files.writeString(dir.resolve("web.yml"), "basic_auth_users:\n  alice: secret-in-clear\n");
    Exit exit = runWithEnvKey(web);
    assertThat(exit.status()).isEqualTo(2);
    assertThat(exit.stderr()).contains("basic_auth_users.alice: not a bcrypt hash").doesNotContain("secret-in-clear");
  }

  private Exit runWithEnvKey(Path web) throws Exception {
    Path conf = Files.writeString(dir.resolve("pushring.yaml"), "http:\n  web-config-file: " + web + "\n");
    return run("-c", conf.toString());
  }
}
