package io.pushring.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.bus.RingPublisher;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.RawHttp;
import io.pushring.testing.RawHttp.Response;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router's HTTP contract (DESIGN.md "HTTP API") with a static ring. Redirect mode never
 * contacts a member, so the members here are addresses nothing listens on.
 */
class RouterVerticleTest {
  private static final String MEMBERS = "10.0.0.1:9091,10.0.0.2:9091,10.0.0.3:9091";

  private Vertx vertx;
  private RawHttp http;
  private int port;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    http = new RawHttp(vertx);
    port = PushringApp.deploy(vertx, TestConfig.staticMembers(MEMBERS)).await().port();
  }

  @AfterEach
  void stop() {
    http.close();
    vertx.close().await();
  }

  private String ownerUrl(String rawPath) {
    Member owner = RingPublisher.current(vertx).route(GroupingKeyParser.parse(rawPath));
    return "http://" + owner.address();
  }

  @Test
  void putPostDeleteRedirectTo307WithPathAndQueryExactlyAsReceived() {
    String path = "/metrics/job/batch/instance/host%2D1/path@base64/L3Zhci90bXA";
    for (HttpMethod method : List.of(HttpMethod.PUT, HttpMethod.POST, HttpMethod.DELETE)) {
      Response r = http.send(method, port, path + "?x=%2F&y", "m 1\n");
      assertThat(r.status()).as(method.name()).isEqualTo(307);
      assertThat(r.header("Location")).isEqualTo(ownerUrl(path) + path + "?x=%2F&y");
      assertThat(r.body()).isEmpty();
    }
  }

  @Test
  void keepAliveSurvivesARedirectAnsweredBeforeTheBodyArrives() throws Exception {
    // The redirect is answered on the headers; the client's body comes after it. The server must
    // discard that body and read the next request on the same connection, not desync or close.
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      var out = socket.getOutputStream();
      var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
      for (String method : List.of("PUT", "POST", "DELETE")) {
        out.write((method + " /metrics/job/a HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n").getBytes());
        out.flush();
        assertThat(in.readLine()).as(method).isEqualTo("HTTP/1.1 307 Temporary Redirect");
        String line;
        while (!(line = in.readLine()).isEmpty()) assertThat(line).doesNotStartWithIgnoringCase("connection: close");
        out.write("m 1\nm2 2\n".getBytes());   // the 9-byte body, after the answer
        out.flush();
      }
      out.write("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      out.flush();
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
    }
  }

  @Test
  void sameGroupInAnyOrderOrEncodingGoesToTheSameMember() {
    String owner = ownerUrl("/metrics/job/j/a/1/b/2");
    for (String path : List.of("/metrics/job/j/b/2/a/1", "/metrics/job@base64/ag/a/1/b@base64/Mg==",
        "/metrics/job/%6a/a/%31/b/2", "/metrics%2Fjob/j/a/1/b/2")) {
      Response r = http.send(HttpMethod.PUT, port, path, "m 1\n");
      assertThat(r.status()).as(path).isEqualTo(307);
      assertThat(r.header("Location")).as(path).isEqualTo(owner + path);
    }
  }

  @Test
  void getAnswersNextUrl() {
    String path = "/metrics/job/a/instance/b";
    Response r = http.get(port, path);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("nextUrl:" + ownerUrl(path) + path + "\n");
  }

  @Test
  void otherMethodsAre405WithAllow() {
    for (HttpMethod method : List.of(HttpMethod.PATCH, HttpMethod.HEAD, HttpMethod.OPTIONS)) {
      Response r = http.send(method, port, "/metrics/job/a");
      assertThat(r.status()).as(method.name()).isEqualTo(405);
      assertThat(r.header("Allow")).isEqualTo("GET, PUT, POST, DELETE");
    }
  }

  @Test
  void invalidKeysAre400PlainTextAndNeverRedirected() {
    Response r = http.send(HttpMethod.PUT, port, "/metrics/job/a/__x/1", "m 1\n");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.header("Content-Type")).startsWith("text/plain");
    assertThat(r.header("Location")).isNull();
    assertThat(r.body()).isEqualTo("improper label name \"__x\"\n");

    Response odd = http.send(HttpMethod.POST, port, "/metrics/job/a/instance", "m 1\n");
    assertThat(odd.status()).isEqualTo(400);
    assertThat(odd.body()).contains("odd number of components in label string");

    for (String bad : List.of("/metrics/job/a/v@base64/_w", "/metrics/job/a/v/%ff", "/metrics/job//a",
        "/metrics/job/./a", "/metrics/job/a/%zz", "/metrics/job@base64/!!")) {
      Response rejected = http.send(HttpMethod.PUT, port, bad, "m 1\n");
      assertThat(rejected.status()).as(bad).isBetween(400, 499);
      assertThat(rejected.header("Location")).as(bad).isNull();
    }
  }

  @Test
  void redirect308WhenConfigured() {
    vertx.close().await();
    vertx = Vertx.vertx();
    http = new RawHttp(vertx);
    port = PushringApp.deploy(vertx, TestConfig.staticMembers(MEMBERS, "PUSHRING_ROUTER_REDIRECT_STATUS", "308"))
        .await().port();
    assertThat(http.send(HttpMethod.PUT, port, "/metrics/job/a", "m 1\n").status()).isEqualTo(308);
  }

  @Test
  void emptyRingIs503WithRetryAfterAndNotReady() {
    assertThat(http.get(port, "/-/ready").status()).isEqualTo(200);
    RingPublisher.publish(vertx, Ring.empty(Placement.GROUPING_KEY, 2));
    awaitRingVersion(2);
    Response r = http.send(HttpMethod.PUT, port, "/metrics/job/a", "m 1\n");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.header("Retry-After")).isEqualTo("5");
    assertThat(http.get(port, "/-/ready").status()).isEqualTo(503);
    assertThat(http.get(port, "/-/healthy").status()).isEqualTo(200);
  }

  @Test
  void aPublishedRingIsUsedByTheRouters() {
    Ring next = Ring.build(Placement.GROUPING_KEY, List.of(Member.ofAddress("10.9.9.9", 9091)), 7);
    RingPublisher.publish(vertx, next);
    awaitRingVersion(7);
    Response r = http.send(HttpMethod.PUT, port, "/metrics/job/anything", "m 1\n");
    assertThat(r.header("Location")).isEqualTo("http://10.9.9.9:9091/metrics/job/anything");
    // An older ring announced late must not replace a newer one.
    RingPublisher.publish(vertx, Ring.build(Placement.GROUPING_KEY, List.of(Member.ofAddress("10.8.8.8", 9091)), 3));
    assertThat(http.send(HttpMethod.PUT, port, "/metrics/job/anything", "m 1\n").header("Location"))
        .startsWith("http://10.9.9.9:9091/");
  }

  @Test
  void routeApiExplainsTheDecision() {
    String path = "/metrics/job/b/instance@base64/eC95/job/ignored"; // instance = "x/y"
    JsonObject body = new JsonObject(http.get(port, "/api/v1/route?path=" + urlEncode(path)).body());
    JsonObject data = body.getJsonObject("data");
    assertThat(body.getString("status")).isEqualTo("success");
    assertThat(data.getString("key")).isEqualTo("{instance=\"x/y\",job=\"b\"}");
    assertThat(data.getJsonObject("labels").getMap()).containsOnly(
        java.util.Map.entry("instance", "x/y"), java.util.Map.entry("job", "b"));
    assertThat(data.getString("location")).isEqualTo(ownerUrl(path) + path);
    assertThat(data.getLong("ringVersion")).isEqualTo(1L);

    Response bad = http.get(port, "/api/v1/route?path=" + urlEncode("/metrics/job/a/1x/2"));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getString("error")).isEqualTo("improper label name \"1x\"");
  }

  @Test
  void ringApiListsMembersAndShares() {
    JsonObject data = new JsonObject(http.get(port, "/api/v1/ring").body()).getJsonObject("data");
    JsonArray members = data.getJsonArray("members");
    assertThat(data.getInteger("size")).isEqualTo(3);
    assertThat(data.getString("placement")).isEqualTo("grouping-key");
    double sum = 0;
    for (int i = 0; i < members.size(); i++) {
      JsonObject m = members.getJsonObject(i);
      assertThat(m.getString("id")).endsWith("_9091");
      assertThat(m.getDouble("share")).isBetween(0.2, 0.46);
      sum += m.getDouble("share");
    }
    assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void unknownPathsAre404AndPercentEncodedPushRoutesArePushes() {
    assertThat(http.get(port, "/nope").status()).isEqualTo(404);
    assertThat(http.send(HttpMethod.PUT, port, "/metric%73/job/a", "m 1\n").status()).isEqualTo(307);
  }

  private void awaitRingVersion(long version) {
    Await.until("router never used ring version " + version, Duration.ofSeconds(5),
        () -> new JsonObject(http.get(port, "/api/v1/ring").body()).getJsonObject("data").getLong("version") == version);
  }

  private static String urlEncode(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
  }
}
