package io.pushring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.pushring.config.PushringConfig;
import io.pushring.testing.Await;
import io.pushring.testing.FreePorts;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import java.io.IOException;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code http.transport} end to end: pushring on each transport this machine can run redirects and
 * proxies a real push to a real Pushgateway, and reports (log, {@code pushring_transport_info}) the
 * transport its sockets really use; one refused by Netty falls back, saying why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransportTest {
  /** Netty's socket channel class of each transport. */
  private static final Map<String, String> CHANNEL = Map.of(
      "epoll", "io.netty.channel.epoll.EpollSocketChannel",
      "io_uring", "io.netty.channel.uring.IoUringSocketChannel",
      "nio", "io.netty.channel.socket.nio.NioSocketChannel");

  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private PushgatewayProcess pushgateway;

  @BeforeAll
  void start() {
    pushgateway = PushgatewayProcess.start();
  }

  @AfterAll
  void stop() {
    pushgateway.close();
  }

  /** The native jars are in the build for Linux x86-64: there epoll must run, or the choice would silently be nio. */
  @Test
  void epollRunsOnLinuxX8664() {
    assumeThat(System.getProperty("os.name")).isEqualTo("Linux");
    assumeThat(System.getProperty("os.arch")).isIn("amd64", "x86_64");
    assertThat(Transports.probe("epoll")).isNull();
    assertThat(Transports.choose(PushringConfig.Transport.AUTO, Transports::probe).name()).isEqualTo(Transports.AUTO.get(0));
  }

  @ParameterizedTest
  @ValueSource(strings = {"epoll", "io_uring", "nio"})
  void pushesAreRedirectedAndProxiedOnTheTransportReported(String transport) throws Exception {
    String unavailable = Transports.probe(transport);
    assumeThat(unavailable).as("%s unavailable here: %s", transport, unavailable).isNull();
    PushringConfig config = TestConfig.staticMembers(pushgateway.host() + ":" + pushgateway.port(),
        "PUSHRING_ROUTER_MODE", "auto", "PUSHRING_HTTP_TRANSPORT", transport);
    Vertx vertx = PushringApp.newVertx(config);
    try {
      int port = PushringApp.deploy(vertx, config).await().port();
      String group = "/metrics/job/transport_" + transport;
      String body = "transport_test{t=\"" + transport + "\"} 1\n";

      // A client known to follow a 307 gets one, to the Pushgateway.
      HttpResponse<String> redirect = put(port, group, body, "Go-http-client/1.1");
      assertThat(redirect.statusCode()).isEqualTo(307);
      assertThat(redirect.headers().firstValue("location")).contains(pushgateway.baseUrl() + group);

      // Any other is proxied: the group lands on the Pushgateway through pushring.
      HttpResponse<String> proxied = put(port, group, body, "curl/8.0");
      assertThat(proxied.statusCode()).isEqualTo(200);
      assertThat(pushgateway.request("GET", "/metrics", null, Duration.ofSeconds(5)).bodyText())
          .contains("transport_test{instance=\"\",job=\"transport_" + transport + "\",t=\"" + transport + "\"} 1");

      assertThat(Transports.inUse(vertx)).isEqualTo(transport);
      assertThat(get(port, "/metrics")).contains("pushring_transport_info{transport=\"" + transport + "\"} 1");
      // What Netty really opens on this Vert.x, independently of what Vert.x reports.
      NetClient client = vertx.createNetClient();
      NetSocketInternal socket = (NetSocketInternal) client.connect(port, "127.0.0.1").await();
      assertThat(socket.channelHandlerContext().channel().getClass().getName()).isEqualTo(CHANNEL.get(transport));
      socket.close().await();
      client.close().await();
    } finally {
      vertx.close().await();
    }
  }

  /**
   * {@code -Dio.netty.transport.noNative=true} makes Netty refuse both native transports, as a kernel
   * without io_uring or a platform without the native library would: the process says so and runs nio.
   */
  @Test
  void aRefusedTransportFallsBackToNioAndTheStartLogSaysWhy(@TempDir Path dir) throws Exception {
    int port = FreePorts.find();
    Path err = dir.resolve("stderr.txt");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dio.netty.transport.noNative=true", "-cp", System.getProperty("java.class.path"), Pushring.class.getName());
    pb.environment().keySet().removeIf(k -> k.startsWith("PUSHRING_"));
    pb.environment().putAll(Map.of("PUSHRING_HTTP_HOST", "127.0.0.1", "PUSHRING_HTTP_PORT", Integer.toString(port),
        "PUSHRING_DISCOVERY_MODE", "static", "PUSHRING_DISCOVERY_STATIC_MEMBERS", pushgateway.host() + ":" + pushgateway.port(),
        "PUSHRING_HTTP_TRANSPORT", "io_uring"));
    pb.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    try {
      Await.until(() -> "pushring listening: " + read(err), Duration.ofSeconds(30), Duration.ofMillis(100),
          () -> read(err).contains("pushring listening on"));
      List<String> lines = read(err).lines().filter(l -> l.contains(" transport ")).toList();
      assertThat(lines).hasSize(2);
      assertThat(lines.get(0)).contains("WARN").contains("transport nio (http.transport io_uring; io_uring unavailable: ")
          .contains("noNative").contains("; epoll unavailable: ");
      assertThat(lines.get(1)).contains("pushring listening on").endsWith("transport nio)");
      assertThat(get(port, "/metrics")).contains("pushring_transport_info{transport=\"nio\"} 1");
      assertThat(put(port, "/metrics/job/fallback", "fallback_test 1\n", "Go-http-client/1.1").statusCode()).isEqualTo(307);
    } finally {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
    }
  }

  private HttpResponse<String> put(int port, String path, String body, String userAgent) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("User-Agent", userAgent).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String get(int port, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
