package io.pushring.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.testing.Await;
import io.pushring.testing.FreePorts;
import io.pushring.testing.PushgatewayApi;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.RawHttp;
import io.pushring.testing.RecordingUpstream;
import io.pushring.testing.RecordingUpstream.Seen;
import io.pushring.testing.TestConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Proxy mode's contract: what is forwarded and how (headers, bytes, streaming), and every failure
 * answer (413, 502, 504, client abort, invalid paths), against a recording stand-in upstream and a
 * real Pushgateway.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyModeTest {
  private static final int MAX_BODY = 1 << 20;
  private static final String PROTOBUF_DELIMITED =
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

  private RecordingUpstream upstream;
  private PushgatewayProcess pushgateway;
  private Vertx toUpstream;       // proxy mode in front of the recording upstream, max-body 1 MiB, timeout 500 ms
  private Vertx toPushgateway;    // proxy mode in front of the real Pushgateway, defaults
  private Vertx autoMode;         // auto mode in front of the recording upstream
  private int upstreamPort;
  private int pushgatewayPort;
  private int autoPort;
  private RawHttp http;

  @BeforeAll
  void start() {
    upstream = new RecordingUpstream();
    pushgateway = PushgatewayProcess.start();
    toUpstream = Vertx.vertx();
    upstreamPort = PushringApp.deploy(toUpstream, TestConfig.staticMembers(upstream.address(),
        "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_ROUTER_MAX_BODY", String.valueOf(MAX_BODY),
        "PUSHRING_ROUTER_PROXY_TIMEOUT", "500ms")).await().port();
    toPushgateway = Vertx.vertx();
    pushgatewayPort = PushringApp.deploy(toPushgateway, TestConfig.staticMembers(pushgateway.host() + ":" + pushgateway.port(),
        "PUSHRING_ROUTER_MODE", "proxy")).await().port();
    autoMode = Vertx.vertx();
    autoPort = PushringApp.deploy(autoMode, TestConfig.staticMembers(upstream.address(),
        "PUSHRING_ROUTER_MODE", "auto")).await().port();
    http = new RawHttp(toUpstream);
  }

  @AfterAll
  void stop() {
    http.close();
    for (Vertx v : List.of(toUpstream, toPushgateway, autoMode)) v.close().await();
    upstream.close();
    pushgateway.close();
  }

  @BeforeEach
  void clean() {
    upstream.reset();
  }

  @Test
  void forwardsMethodRawPathQueryBytesAndEndToEndHeadersDropsHopByHopAddsForwarded() throws Exception {
    upstream.answer(202, "accepted\n");
    byte[] body = gzip("some_metric 1\n".getBytes(StandardCharsets.UTF_8));
    String target = "/metrics/job/batch/instance/host%2D1/path@base64/L3Zhci90bXA?x=%2F&y";
    RawHttp.Response a = http.exchange(upstreamPort, "PUT " + target + " HTTP/1.1\r\n"
        + "Host: pushring.example:9292\r\n"
        + "User-Agent: test-agent/1\r\n"
        + "Authorization: Basic cHVzaHJpbmc6czNjcmV0\r\n"
        + "Content-Type: " + PROTOBUF_DELIMITED + "\r\n"
        + "Content-Encoding: gzip\r\n"
        + "Connection: keep-alive, X-Hop\r\n"
        + "X-Hop: drop-me\r\n"
        + "Keep-Alive: timeout=5\r\n"
        + "TE: trailers\r\n"
        + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
        + "X-Forwarded-For: 203.0.113.9\r\n"
        + "X-Custom: kept\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n", body);

    assertThat(a.status()).isEqualTo(202);
    assertThat(a.body()).isEqualTo("accepted\n");
    assertThat(a.header("x-upstream")).isEqualTo("recording");
    assertThat(a.headers().contains("x-upstream-hop")).as("x-upstream-hop dropped").isFalse();
    Seen s = upstream.await(1, 5000).get(0);
    assertThat(s.method()).isEqualTo("PUT");
    assertThat(s.uri()).isEqualTo(target);
    assertThat(s.completed()).isTrue();
    assertThat(s.body().getBytes()).isEqualTo(body);
    MultiMap h = s.headers();
    assertThat(h.get("Authorization")).isEqualTo("Basic cHVzaHJpbmc6czNjcmV0");
    assertThat(h.get("Content-Type")).isEqualTo(PROTOBUF_DELIMITED);
    assertThat(h.get("Content-Encoding")).isEqualTo("gzip");
    assertThat(h.get("Content-Length")).isEqualTo(String.valueOf(body.length));
    assertThat(h.get("User-Agent")).isEqualTo("test-agent/1");
    assertThat(h.get("X-Custom")).isEqualTo("kept");
    assertThat(h.get("X-Forwarded-For")).isEqualTo("203.0.113.9, 127.0.0.1");
    assertThat(h.get("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(h.get("X-Forwarded-Host")).isEqualTo("pushring.example:9292");
    assertThat(h.get("Host")).isEqualTo(upstream.address());
    for (String hop : List.of("X-Hop", "Keep-Alive", "TE", "Proxy-Authorization", "Transfer-Encoding")) {
      assertThat(h.contains(hop)).as(hop).isFalse();
    }
  }

  @Test
  void gzipAndProtobufDelimitedBodiesArriveIntactOnARealPushgateway() throws Exception {
    byte[] gz = gzip("gzip_metric 42\n".getBytes(StandardCharsets.UTF_8));
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Content-Encoding", "gzip");
    assertThat(sendBytes(pushgatewayPort, "/metrics/job/enc/instance/gzip", headers, gz)).isEqualTo(200);

    byte[] proto = protobufGauge("proto_metric", 7.5);
    headers = MultiMap.caseInsensitiveMultiMap().add("Content-Type", PROTOBUF_DELIMITED);
    assertThat(sendBytes(pushgatewayPort, "/metrics/job/enc/instance/proto", headers, proto)).isEqualTo(200);

    headers.add("Content-Encoding", "gzip");
    assertThat(sendBytes(pushgatewayPort, "/metrics/job/enc/instance/both", headers, gzip(proto))).isEqualTo(200);

    String pg = pushgateway.baseUrl();
    assertThat(PushgatewayApi.value(pg, null, Map.of("job", "enc", "instance", "gzip"), "gzip_metric")).hasValue("42");
    assertThat(PushgatewayApi.value(pg, null, Map.of("job", "enc", "instance", "proto"), "proto_metric")).hasValue("7.5");
    assertThat(PushgatewayApi.value(pg, null, Map.of("job", "enc", "instance", "both"), "proto_metric")).hasValue("7.5");
  }

  @Test
  void aFiveMegabytePushReachesARealPushgatewayWhole() throws Exception {
    StringBuilder text = new StringBuilder();
    String padding = "x".repeat(1000);
    int series = 5000;
    for (int i = 0; i < series; i++) text.append("big_metric{i=\"").append(i).append("\",pad=\"").append(padding).append("\"} ").append(i).append('\n');
    byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
    assertThat(body.length).isGreaterThan(5_000_000);
    long t0 = System.nanoTime();
    assertThat(sendBytes(pushgatewayPort, "/metrics/job/big", MultiMap.caseInsensitiveMultiMap(), body)).isEqualTo(200);
    System.out.printf("5 MB push through proxy mode to a real Pushgateway: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    JsonObject group = bigGroup();
    assertThat(group.getJsonObject("big_metric").getJsonArray("metrics").size()).isEqualTo(series);
  }

  @Test
  void theBodyStreamsTheUpstreamGetsBytesLongBeforeTheClientFinishes() throws Exception {
    int size = 5 << 20;
    AtomicLong clientSent = new AtomicLong();
    upstream.probeOnFirstByte(clientSent::get);
    // max-body of this router is 1 MiB: use the real-Pushgateway router's limit? No: a dedicated router.
    Vertx big = Vertx.vertx();
    try {
      int port = PushringApp.deploy(big, TestConfig.staticMembers(upstream.address(), "PUSHRING_ROUTER_MODE", "proxy"))
          .await().port();
      long t0 = System.nanoTime();
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket.setSoTimeout(20_000);
        OutputStream out = socket.getOutputStream();
        out.write(("PUT /metrics/job/stream HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'a');
        for (int sent = 0; sent < size; sent += chunk.length) {
          out.write(chunk);
          out.flush();
          clientSent.addAndGet(chunk.length);
          Await.sleep(5);   // a slow client: 80 chunks over ~0.5 s
        }
        RawHttp.Response a = RawHttp.read(socket.getInputStream());
        assertThat(a.status()).isEqualTo(200);
      }
      Seen s = upstream.await(1, 5000).get(0);
      assertThat(s.body().length()).isEqualTo(size);
      System.out.printf("5 MB streamed: upstream's first byte came when the client had sent %d of %d bytes (%d ms total)%n",
          s.bodyBytesWhenFirstArrived(), size, (System.nanoTime() - t0) / 1_000_000);
      assertThat(s.bodyBytesWhenFirstArrived()).isPositive().isLessThan(size / 2);
    } finally {
      big.close().await();
    }
  }

  @Test
  void aDeclaredBodyOverMaxBodyIs413BeforeAnythingIsForwarded() throws Exception {
    RawHttp.Response a = http.exchange(upstreamPort, "PUT /metrics/job/huge HTTP/1.1\r\nHost: x\r\nContent-Length: " + (MAX_BODY + 1)
        + "\r\n\r\n", new byte[0]);
    assertThat(a.status()).isEqualTo(413);
    assertThat(a.body()).contains("router.max-body");
    assertThat(a.header("connection")).isEqualTo("close");
    Await.sleep(200);
    assertThat(upstream.seen()).isEmpty();
    assertThat(upstream.connections()).isEmpty();
  }

  @Test
  void aChunkedBodyGrowingOverMaxBodyIs413AndTheUpstreamRequestIsCut() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", upstreamPort)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write("PUT /metrics/job/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[64 * 1024];
      try {
        for (int sent = 0; sent <= MAX_BODY; sent += chunk.length) {
          out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(chunk);
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
      } catch (IOException closedByPushring) {
        // pushring may close before the last chunks: the answer is already there
      }
      RawHttp.Response a = RawHttp.read(socket.getInputStream());
      assertThat(a.status()).isEqualTo(413);
    }
    List<Seen> seen = upstream.await(1, 5000);
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).completed()).as("the upstream request must be cut, not completed").isFalse();
  }

  @Test
  void anUnreachableMemberIs502Fast() {
    int dead = FreePorts.find();   // nothing listens there
    Vertx v = Vertx.vertx();
    try {
      int port = PushringApp.deploy(v, TestConfig.staticMembers("127.0.0.1:" + dead, "PUSHRING_ROUTER_MODE", "proxy"))
          .await().port();
      long t0 = System.nanoTime();
      RawHttp.Response r = http.send(HttpMethod.PUT, port, "/metrics/job/x", "m 1\n");
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(r.status()).isEqualTo(502);
      assertThat(r.body()).contains("refused").contains("not retried elsewhere");
      assertThat(millis).isLessThan(3000);
    } finally {
      v.close().await();
    }
  }

  @Test
  void anUpstreamThatNeverAnswersIs504AfterTheProxyTimeout() {
    upstream.neverAnswer();
    long t0 = System.nanoTime();
    RawHttp.Response r = http.send(HttpMethod.PUT, upstreamPort, "/metrics/job/slow", "m 1\n");
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.status()).isEqualTo(504);
    assertThat(r.body()).contains("router.proxy-timeout");
    assertThat(millis).isBetween(450L, 5000L);
  }

  @Test
  void aSlowUploadThatKeepsFlowingOutlastsTheProxyTimeout() throws Exception {
    // router.proxy-timeout is 500 ms here; the upload takes ~1.5 s but never pauses that long.
    int chunks = 15;
    try (Socket socket = new Socket("127.0.0.1", upstreamPort)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("PUT /metrics/job/slow-upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + chunks * 1024 + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < chunks; i++) {
        out.write(new byte[1024]);
        out.flush();
        Await.sleep(100);
      }
      assertThat(RawHttp.read(socket.getInputStream()).status()).isEqualTo(200);
    }
    assertThat(upstream.await(1, 2000).get(0).body().length()).isEqualTo(chunks * 1024);
  }

  @Test
  void aClientThatGoesAwayMidBodyOfASmallPushSendsNothingUpstream() throws Exception {
    // Under router.proxy-buffer (256 KiB by default): received whole before any connection is taken.
    try (Socket socket = new Socket("127.0.0.1", upstreamPort)) {
      OutputStream out = socket.getOutputStream();
      out.write("PUT /metrics/job/abort HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[30_000]);
      out.flush();
      Await.sleep(300);
    }
    assertThat(upstream.await(1, 1000)).isEmpty();
    assertThat(upstream.connections()).isEmpty();
  }

  @Test
  void aClientThatGoesAwayMidBodyOfAStreamedPushPoisonsAndCutsTheUpstreamRequest() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", upstreamPort)) {
      OutputStream out = socket.getOutputStream();
      out.write("PUT /metrics/job/abort HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] lines = "m 1\n".repeat(100_000).getBytes(StandardCharsets.US_ASCII);   // 400,000 bytes, ends at a line start
      out.write(lines);
      out.flush();
      Await.sleep(300);   // let the first bytes reach the upstream
    }
    List<Seen> seen = upstream.await(1, 5000);
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).completed()).isFalse();
    String received = seen.get(0).body().toString(StandardCharsets.US_ASCII);
    assertThat(received.length()).isLessThan(900_000);
    // What was forwarded ends with a line the Pushgateway's parser refuses, never at a line start.
    assertThat(received).endsWith("\npushring_abandoned_push not_a_value\n");
  }

  @Test
  void invalidPathsAreStill400AndNeverForwarded() {
    // The Pushgateway's own answers: 404 for an empty job (no route), 400 for the rest.
    Map<String, Integer> expected = Map.of("/metrics/job/", 404, "/metrics/job/a/odd", 400,
        "/metrics/job/a/0bad/x", 400, "/metrics/job/a%zz", 400, "/metrics/job/a/b/%FF", 400);
    expected.forEach((path, status) ->
        assertThat(http.send(HttpMethod.PUT, upstreamPort, path, "m 1\n").status()).as(path).isEqualTo(status));
    assertThat(http.send(HttpMethod.PATCH, upstreamPort, "/metrics/job/a", "m 1\n").status()).isEqualTo(405);
    assertThat(upstream.await(1, 200)).isEmpty();
  }

  @Test
  void connectionsToAMemberAreKeptAliveAndReused() {
    for (int i = 0; i < 20; i++) {
      assertThat(http.send(HttpMethod.PUT, upstreamPort, "/metrics/job/pool/i/" + i, "m 1\n").status()).isEqualTo(200);
    }
    assertThat(upstream.await(20, 5000)).hasSize(20);
    System.out.printf("20 sequential proxied pushes used %d upstream connection(s)%n", upstream.connections().size());
    assertThat(upstream.connections()).hasSize(1);
    // Counted with their final status under decision="proxy".
    String metrics = http.get(upstreamPort, "/metrics").body();
    assertThat(metrics).containsPattern(
        "pushring_requests_total\\{(?=[^}]*code=\"200\")(?=[^}]*decision=\"proxy\")[^}]*} [1-9]");
    // ... and timed: the proxy latency histogram holds these 20 pushes (and what other tests of the class proxied).
    java.util.regex.Matcher count = java.util.regex.Pattern
        .compile("pushring_proxy_duration_seconds_count\\{member=\"[^\"]+\"} (\\d+)").matcher(metrics);
    assertThat(count.find()).as("proxy histogram count in %s", metrics).isTrue();
    assertThat(Integer.parseInt(count.group(1))).isGreaterThanOrEqualTo(20);
    assertThat(metrics).containsPattern("pushring_proxy_duration_seconds_bucket\\{member=\"[^\"]+\",le=\"\\+Inf\"} [1-9]");
  }

  @Test
  void autoModeRedirectsFollowersAndProxiesTheRest() {
    MultiMap go = MultiMap.caseInsensitiveMultiMap().add("User-Agent", "Go-http-client/1.1");
    RawHttp.Response r = http.send(HttpMethod.PUT, "127.0.0.1", autoPort, "/metrics/job/auto?q=1", "m 1\n", go);
    assertThat(r.status()).isEqualTo(307);
    assertThat(r.header("Location")).isEqualTo("http://" + upstream.address() + "/metrics/job/auto?q=1");

    MultiMap goWithAuth = MultiMap.caseInsensitiveMultiMap().addAll(go).add("Authorization", "Basic eDp5");
    assertThat(http.send(HttpMethod.PUT, "127.0.0.1", autoPort, "/metrics/job/auto", "m 1\n", goWithAuth).status())
        .isEqualTo(200);
    MultiMap behindTls = MultiMap.caseInsensitiveMultiMap().addAll(go).add("X-Forwarded-Proto", "https");
    assertThat(http.send(HttpMethod.PUT, "127.0.0.1", autoPort, "/metrics/job/auto", "m 1\n", behindTls).status())
        .isEqualTo(200);
    MultiMap curl = MultiMap.caseInsensitiveMultiMap().add("User-Agent", "curl/7.88.1");
    assertThat(http.send(HttpMethod.PUT, "127.0.0.1", autoPort, "/metrics/job/auto", "m 1\n", curl).status())
        .isEqualTo(200);
    assertThat(upstream.await(3, 5000)).hasSize(3);
  }

  @Test
  void routeApiShowsTheDecisionForAGivenClient() {
    JsonObject go = routeDecision(autoPort, "&ua=Go-http-client/1.1");
    assertThat(go.getString("action")).isEqualTo("redirect");
    assertThat(go.getInteger("status")).isEqualTo(307);
    assertThat(go.getString("mode")).isEqualTo("auto");
    assertThat(go.getString("decision")).isEqualTo("redirect-client-follows");

    assertThat(routeDecision(autoPort, "&ua=Go-http-client/1.1&auth=true").getString("decision")).isEqualTo("proxy-authorization");
    assertThat(routeDecision(autoPort, "&ua=Java/17&scheme=https").getString("decision")).isEqualTo("proxy-scheme-change");
    JsonObject python = routeDecision(autoPort, "&ua=Python-urllib/3.11");
    assertThat(python.getString("action")).isEqualTo("proxy");
    assertThat(python.getString("reason")).contains("User-Agent");
    assertThat(routeDecision(upstreamPort, "&ua=Go-http-client/1.1").getString("decision")).isEqualTo("proxy-mode");
  }

  private JsonObject routeDecision(int port, String params) {
    RawHttp.Response r = http.get(port, "/api/v1/route?path=/metrics/job/a" + params);
    assertThat(r.status()).isEqualTo(200);
    return new JsonObject(r.body()).getJsonObject("data").getJsonObject("decision");
  }

  // ---- helpers ----

  private JsonObject bigGroup() {
    RawHttp.Response r = http.get(pushgateway.port(), "/api/v1/metrics");
    var data = new JsonObject(r.body()).getJsonArray("data");
    for (int i = 0; i < data.size(); i++) {
      JsonObject g = data.getJsonObject(i);
      if ("big".equals(g.getJsonObject("labels").getString("job"))) return g;
    }
    throw new AssertionError("no group job=big on the Pushgateway");
  }

  private int sendBytes(int port, String path, MultiMap headers, byte[] body) throws IOException {
    StringBuilder head = new StringBuilder("PUT " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    headers.forEach(e -> head.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n"));
    head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
    RawHttp.Response a = http.exchange(port, head.toString(), body);
    assertThat(a.status()).as(a.body()).isBetween(200, 299);
    return a.status();
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  /**
   * One length-delimited {@code io.prometheus.client.MetricFamily} with one gauge sample, encoded by
   * hand (name = 1, help = 2, type = 3 (GAUGE = 1), metric = 4 { gauge = 2 { value = 1 (double) } }).
   */
  static byte[] protobufGauge(String name, double value) {
    ByteArrayOutputStream gauge = new ByteArrayOutputStream();
    gauge.write(0x09);
    gauge.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(value).array());
    ByteArrayOutputStream metric = new ByteArrayOutputStream();
    metric.write(0x12);
    metric.write(gauge.size());
    metric.writeBytes(gauge.toByteArray());
    ByteArrayOutputStream family = new ByteArrayOutputStream();
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    family.write(0x0A);
    family.write(n.length);
    family.writeBytes(n);
    byte[] help = "proxied as protobuf".getBytes(StandardCharsets.UTF_8);
    family.write(0x12);
    family.write(help.length);
    family.writeBytes(help);
    family.write(0x18);
    family.write(1);
    family.write(0x22);
    family.write(metric.size());
    family.writeBytes(metric.toByteArray());
    ByteArrayOutputStream delimited = new ByteArrayOutputStream();
    delimited.write(family.size());   // < 128: a one-byte varint
    delimited.writeBytes(family.toByteArray());
    return delimited.toByteArray();
  }
}
