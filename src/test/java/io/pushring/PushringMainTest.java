package io.pushring;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.testing.Await;
import io.pushring.testing.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process contract: exit status 2 with one line for bad configuration; SIGTERM stops it. */
class PushringMainTest {

  private static Process launch(Map<String, String> env, String... args) throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Pushring.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("PUSHRING_"));
    pb.environment().putAll(env);
    Path err = Files.createTempFile("pushring-stderr", ".txt");
    err.toFile().deleteOnExit();
    pb.redirectError(err.toFile());
    Process p = pb.start();
    STDERR.put(p, err);
    return p;
  }

  private static final Map<Process, Path> STDERR = new java.util.concurrent.ConcurrentHashMap<>();

  private static String stderr(Process p) throws IOException {
    return Files.readString(STDERR.get(p), StandardCharsets.UTF_8);
  }

  @Test
  void badValueExitsWithStatus2AndOneLineNamingTheKey() throws Exception {
    Process p = launch(Map.of("PUSHRING_ROUTER_REDIRECT_STATUS", "302"));
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    String err = stderr(p).strip();
    assertThat(err.lines()).hasSize(1);
    assertThat(err).startsWith("pushring: config: router.redirect-status (PUSHRING_ROUTER_REDIRECT_STATUS):");
  }

  @Test
  void unknownKeyInTheFileExitsWithStatus2(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "router:\n  mdoe: proxy\n");
    Process p = launch(Map.of(), "-c", file.toString());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(stderr(p).strip()).isEqualTo("pushring: config: router.mdoe: unknown key (did you mean router.mode?)");
  }

  @Test
  void unknownArgumentExitsWithStatus2() throws Exception {
    Process p = launch(Map.of(), "--port", "1");
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(stderr(p)).contains("--port");
  }

  @Test
  void anUnreadableConsulFileExitsWithStatus2NamingTheKey(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing-ca.pem");
    Process p = launch(Map.of("PUSHRING_DISCOVERY_MODE", "consul", "PUSHRING_CONSUL_ADDRESS", "127.0.0.1:" + FreePorts.find(),
        "PUSHRING_CONSUL_SCHEME", "https", "PUSHRING_CONSUL_TLS_CA_FILE", missing.toString(),
        "PUSHRING_HTTP_HOST", "127.0.0.1", "PUSHRING_HTTP_PORT", "0"));
    try {
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
      assertThat(p.exitValue()).isEqualTo(2);
      // After the start's log lines (the transport's): one line naming the key.
      assertThat(stderr(p).lines().filter(l -> l.startsWith("pushring: "))).singleElement().asString()
          .startsWith("pushring: config: consul.tls.ca-file: cannot read " + missing);
    } finally {
      p.destroyForcibly();
    }
  }

  /** Issue 9 row 8: the BindException used to kill only the main thread; the process stayed up, listening nowhere. */
  @Test
  void portInUseExitsWithStatus1AndOneLineNamingTheAddress() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Process p = launch(staticMode("127.0.0.1", port));
      try {
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertOneErrorLine(stderr(p), "pushring: cannot listen on 127.0.0.1:" + port + ": Address already in use");
      } finally {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void addressThatIsNotLocalExitsWithStatus1() throws Exception {
    // 192.0.2.1 (TEST-NET-1, RFC 5737) is on no interface of a test machine.
    Process p = launch(staticMode("192.0.2.1", FreePorts.find()));
    try {
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
      assertThat(p.exitValue()).isEqualTo(1);
      assertOneErrorLine(stderr(p), "pushring: cannot listen on 192.0.2.1:");
    } finally {
      p.destroyForcibly();
    }
  }

  /** Issue 9 row 10: a second http: block silently replaced the first. */
  @Test
  void duplicateKeyInTheFileExitsWithStatus2NamingTheKeyAndLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("dup.yaml");
    Files.writeString(file, "http:\n  host: 127.0.0.1\ndiscovery:\n  mode: static\nhttp:\n  port: 0\n");
    Process p = launch(Map.of(), "-c", file.toString());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(stderr(p).strip()).isEqualTo("pushring: config: http: duplicate key at line 5 of " + file
        + " (first at line 1); YAML would silently keep only the last one");
  }

  /**
   * Issue 9 row 9: an open tap stream (SSE, never ends by itself) held the stop for the whole 10 s
   * drain timeout (11.7 s measured); it now ends on the connection's shutdown signal.
   */
  @Test
  void anOpenTapStreamEndsAtOnceOnSigterm() throws Exception {
    int port = FreePorts.find();
    Process p = launch(staticMode("127.0.0.1", port));
    try (Socket tap = connectWithin(port, 30)) {
      tap.setSoTimeout(20_000);
      tap.getOutputStream().write("GET /api/v1/tap HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = tap.getInputStream();
      StringBuilder got = new StringBuilder();
      while (!got.toString().contains("retry: 2000")) {
        int b = in.read();
        assertThat(b).as("tap stream open: %s", got).isNotNegative();
        got.append((char) b);
      }
      long stopping = System.nanoTime();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
      long stoppedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping);
      System.out.printf("stopped %d ms after SIGTERM with a tap stream open%n", stoppedMs);
      assertThat(stoppedMs).as("stop not held by the tap stream for the 10 s drain timeout").isLessThan(5_000);
      String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(rest).as("the stream says why it ends, then ends").contains(": pushring is stopping");
    } finally {
      p.destroyForcibly();
    }
  }

  private static Socket connectWithin(int port, int seconds) throws Exception {
    AtomicReference<Socket> connected = new AtomicReference<>();
    Await.until("pushring listening on " + port, Duration.ofSeconds(seconds), Duration.ofMillis(100), () -> {
      Socket s = new Socket();
      try {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
        connected.set(s);
        return true;
      } catch (IOException notYet) {
        closeQuietly(s);
        return false;
      }
    });
    return connected.get();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // never connected: nothing to release
    }
  }

  private static Map<String, String> staticMode(String host, int port) {
    return Map.of(
        "PUSHRING_HTTP_HOST", host,
        "PUSHRING_HTTP_PORT", Integer.toString(port),
        "PUSHRING_DISCOVERY_MODE", "static",
        "PUSHRING_DISCOVERY_STATIC_MEMBERS", "127.0.0.1:9091");
  }

  /** Exactly one line says what failed (log lines of the start before it may precede); no stack trace. */
  private static void assertOneErrorLine(String stderr, String expectedPrefix) {
    assertThat(stderr).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(stderr.lines().filter(l -> l.startsWith("pushring: "))).singleElement().asString().startsWith(expectedPrefix);
  }

  @Test
  void startsInStaticModeAndStopsOnSigterm() throws Exception {
    int port = FreePorts.find();
    Process p = launch(Map.of(
        "PUSHRING_HTTP_HOST", "127.0.0.1",
        "PUSHRING_HTTP_PORT", Integer.toString(port),
        "PUSHRING_DISCOVERY_MODE", "static",
        "PUSHRING_DISCOVERY_STATIC_MEMBERS", "127.0.0.1:9091"));
    try {
      HttpClient client = HttpClient.newHttpClient();
      AtomicReference<HttpResponse<String>> answer = new AtomicReference<>();
      // the caller's assertions report it; an exception while polling means not listening yet
      Await.holdsWithin(Duration.ofSeconds(30), Duration.ofMillis(100), () -> {
        answer.set(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
            HttpResponse.BodyHandlers.ofString()).join());
        return answer.get().statusCode() == 200;
      });
      HttpResponse<String> ready = answer.get();
      assertThat(ready).isNotNull();
      assertThat(ready.statusCode()).isEqualTo(200);
      long stopping = System.nanoTime();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
      System.out.printf("stopped %d ms after SIGTERM%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping));
      assertThat(stderr(p)).contains("stopping: draining routers");
    } finally {
      p.destroyForcibly();
    }
  }
}
