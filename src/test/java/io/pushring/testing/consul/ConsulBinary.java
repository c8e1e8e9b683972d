package io.pushring.testing.consul;

import io.pushring.testing.Await;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code consul agent -dev} on free loopback ports, started from the {@code consul} found on
 * PATH and stopped by PID. Dev mode keeps everything in memory: after {@link #restart()} (same
 * ports) the agent has lost every registration, which is what a crashed dev agent does, not what a
 * production agent with a data dir does. Tests that need state across an outage must re-register or
 * use the in-repo server.
 *
 * <p>Flags (agent/config/flags.go): {@code -dev -bind 127.0.0.1 -client 127.0.0.1 -http-port P
 * -dns-port -1 -grpc-port -1 -serf-lan-port P -serf-wan-port P -server-port P}, plus {@code
 * -grpc-tls-port -1} from Consul 1.14 on (dev mode opens 8503 otherwise); {@code -hcl} sets
 * {@code disable_update_check} and a {@code session_ttl_min} of 1s (Consul: 10s), so session tests
 * expire in seconds.
 */
final class ConsulBinary {
  /** Consul's session_ttl_min for test agents (default 10s): lets a session test expire in seconds. */
  static final int SESSION_TTL_MIN_SECONDS = 1;
  private static final Pattern VERSION = Pattern.compile("Consul v?(\\d+)\\.(\\d+)");

  private final Path executable;
  private final List<String> command;
  private final Path log;
  private final int httpPort;
  private final int httpsPort;
  private Process process;

  private ConsulBinary(Path executable, List<String> command, Path log, int httpPort, int httpsPort) {
    this.executable = executable;
    this.command = command;
    this.log = log;
    this.httpPort = httpPort;
    this.httpsPort = httpsPort;
  }

  /** The {@code consul} executable on PATH, if any. */
  static Optional<Path> onPath() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "consul");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  static ConsulBinary start(Path executable) {
    return start(executable, ConsulSecurity.NONE);
  }

  /**
   * With {@code security}: a config file ({@code -config-file}) turning on the 1.4 ACL system
   * ({@code acl { enabled, default_policy = "deny", tokens { master, agent } }}: the agent token is
   * the master, so the agent may sync its node and checks) and/or an HTTPS port beside the HTTP one
   * ({@code ports { https }}, {@code cert_file}, {@code key_file}, {@code ca_file}).
   */
  static ConsulBinary start(Path executable, ConsulSecurity security) {
    try {
      int http = freePort();
      List<String> cmd = new ArrayList<>(List.of(executable.toString(), "agent", "-dev",
          "-bind", "127.0.0.1", "-client", "127.0.0.1", "-node", "pushring-test-" + http,
          "-http-port", Integer.toString(http), "-dns-port", "-1", "-grpc-port", "-1",
          "-serf-lan-port", Integer.toString(freePort()), "-serf-wan-port", Integer.toString(freePort()),
          "-server-port", Integer.toString(freePort()), "-log-level", "warn",
          "-hcl", "disable_update_check = true",
          // tests of sessions need short TTLs; the in-repo server gets the same floor (ConsulFixture)
          "-hcl", "session_ttl_min = \"" + SESSION_TTL_MIN_SECONDS + "s\""));
      if (atLeast(executable, 1, 14)) {
        cmd.addAll(List.of("-grpc-tls-port", "-1"));
      }
      String dir = System.getenv().getOrDefault("PUSHRING_TEST_BUILD_DIR", System.getProperty("java.io.tmpdir"));
      Path log = Path.of(dir, "consul-dev-" + http + ".log");
      int https = -1;
      if (security.secured()) {
        StringBuilder hcl = new StringBuilder();
        if (security.aclMasterToken() != null) {
          hcl.append("primary_datacenter = \"dc1\"\n")
              .append("acl {\n  enabled = true\n  default_policy = \"deny\"\n  down_policy = \"extend-cache\"\n")
              .append("  tokens {\n    master = \"").append(security.aclMasterToken()).append("\"\n    agent = \"")
              .append(security.aclMasterToken()).append("\"\n  }\n}\n");
        }
        if (security.certs() != null) {
          https = freePort();
          ConsulCerts c = security.certs();
          hcl.append("ports {\n  https = ").append(https).append("\n}\n")
              .append("cert_file = \"").append(c.certFile()).append("\"\n")
              .append("key_file = \"").append(c.keyFile()).append("\"\n")
              .append("ca_file = \"").append(c.caFile()).append("\"\n");
          // 1.4: verify_incoming_https asks HTTPS clients for a certificate (verify_incoming would cover RPC too)
          if (security.requireClientCert()) hcl.append("verify_incoming_https = true\n");
        }
        Path config = Path.of(dir, "consul-dev-" + http + ".hcl");
        java.nio.file.Files.writeString(config, hcl.toString());
        cmd.addAll(List.of("-config-file", config.toString()));
      }
      ConsulBinary binary = new ConsulBinary(executable, List.copyOf(cmd), log, http, https);
      binary.launch();
      return binary;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + executable + ": " + e, e);
    }
  }

  int httpPort() {
    return httpPort;
  }

  /** -1 without TLS. */
  int httpsPort() {
    return httpsPort;
  }

  long pid() {
    return process.pid();
  }

  /** SIGTERM by PID, then SIGKILL after 10 s. */
  void stop() {
    if (process == null) {
      return;
    }
    ProcessHandle handle = process.toHandle();
    handle.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        handle.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      handle.destroyForcibly();
    }
    process = null;
  }

  /** Same command, same ports; dev mode: the state is gone. */
  void restart() {
    stop();
    try {
      launch();
    } catch (IOException e) {
      throw new IllegalStateException("cannot restart " + executable + ": " + e, e);
    }
  }

  private void launch() throws IOException {
    process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    ConsulHttp http = new ConsulHttp("127.0.0.1", httpPort, null);
    // an exception while polling means not listening yet
    boolean elected = Await.holdsWithin(Duration.ofSeconds(30), Duration.ofMillis(100), () -> {
      if (!process.isAlive()) return true;
      ConsulHttp.Reply leader = http.get("/v1/status/leader");
      return leader.ok() && leader.body().contains(":");
    });
    if (!process.isAlive()) {
      throw new IllegalStateException("consul exited with " + process.exitValue() + "; see " + log);
    }
    if (elected) return; // a leader is elected: writes will be accepted
    stop();
    throw new IllegalStateException("consul did not elect a leader within 30 s; see " + log);
  }

  private static boolean atLeast(Path executable, int major, int minor) {
    try {
      Process p = new ProcessBuilder(executable.toString(), "version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      Matcher m = VERSION.matcher(out);
      if (!m.find()) {
        // unknown: an unknown flag stops the agent, so leave it out; a 1.14+ agent then also opens
        // its gRPC TLS port 8503, which only clashes when two run at once
        return false;
      }
      int maj = Integer.parseInt(m.group(1));
      int min = Integer.parseInt(m.group(2));
      return maj > major || (maj == major && min >= minor);
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

}
