package io.pushring.router;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pushring.PushringApp;
import io.pushring.bus.RingPublisher;
import io.pushring.config.ConfigException;
import io.pushring.testing.RawHttp;
import io.pushring.testing.RawHttp.Response;
import io.pushring.testing.TestConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.pushring.ring.Ring;
import java.time.Instant;
import io.vertx.core.shareddata.LocalMap;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@code http.admin}: with it, the operators' endpoints answer on the admin listener only and 404 on
 * the push port (as an unknown path does), pushes and probes stay on the push port; without it,
 * everything on the one port as before. The security headers of the operators' answers, and a 500
 * that says nothing of the failure.
 */
class AdminListenerTest {
  private static final String MEMBERS = "10.0.0.1:9091,10.0.0.2:9091";
  /** Every operator endpoint (tap apart: a stream, checked by its head). */
  private static final List<String> OPERATOR_PATHS = List.of("/", "/api/v1/ring", "/api/v1/stats", "/api/v1/reconcile",
      "/api/v1/route?path=/metrics/job/x", "/metrics", "/sd/pushgateways");
  private static final String PUSH = "/metrics/job/admin-test/instance/a";

  private final RawHttp http = new RawHttp(null);
  private Vertx vertx;

  @AfterEach
  void stop() {
    if (vertx != null) vertx.close().await();
  }

  private PushringApp deploy(String... overrides) {
    vertx = PushringApp.newVertx();
    return PushringApp.deploy(vertx, TestConfig.staticMembers(MEMBERS, overrides)).await();
  }

  @Test
  void withAnAdminListenerTheOperatorEndpointsAnswerThereOnlyAndThePushPortKeepsPushesAndProbes() throws IOException {
    PushringApp app = deploy("PUSHRING_HTTP_ADMIN", "127.0.0.1:0");
    int push = app.port();
    int admin = app.adminPort();
    assertThat(admin).isPositive().isNotEqualTo(push);

    Response unknown = http.get(push, "/no-such-path");
    assertThat(unknown.status()).isEqualTo(404);
    for (String path : OPERATOR_PATHS) {
      Response onPush = http.get(push, path);
      assertThat(onPush.status()).as("GET %s on the push port", path).isEqualTo(404);
      assertThat(onPush.body()).as("GET %s on the push port", path).isEqualTo(unknown.body());
      assertThat(onPush.header("Content-Type")).isEqualTo(unknown.header("Content-Type"));
      assertThat(http.get(admin, path).status()).as("GET %s on the admin port", path).isEqualTo(200);
    }
    assertThat(http.send(HttpMethod.GET, "127.0.0.1", push, "/", null, accept("text/html")).status()).isEqualTo(404);
    assertThat(streamHead(push, "/api/v1/tap")).startsWith("HTTP/1.1 404");
    assertThat(streamHead(admin, "/api/v1/tap")).startsWith("HTTP/1.1 200").contains("text/event-stream");

    // The push port keeps pushes (redirect mode: 307 to the owner) and the probes; the admin port takes no push.
    assertThat(http.send(HttpMethod.PUT, push, PUSH, "m 1\n").status()).isEqualTo(307);
    assertThat(http.send(HttpMethod.PUT, admin, PUSH, "m 1\n").status()).isEqualTo(404);
    assertThat(http.send(HttpMethod.PUT, admin, "/metric%73/job/x", "m 1\n").status()).isEqualTo(404);
    for (int port : new int[] {push, admin}) {
      assertThat(http.get(port, "/-/healthy").status()).isEqualTo(200);
      assertThat(http.get(port, "/-/ready").status()).isEqualTo(200);
    }
    // The admin port's counts include the push it did not see: the same meters, the same ring.
    assertThat(http.get(admin, "/metrics").body()).contains("pushring_");
    assertThat(http.get(admin, "/api/v1/ring").body()).contains("10.0.0.1_9091", "10.0.0.2_9091");
  }

  /** The admin side takes a new ring when it is announced: the age /api/v1/ring reports counts from then. */
  @Test
  void theAdminListenerTakesANewRingWhenItIsAnnouncedNotAtItsNextRequest() throws InterruptedException {
    PushringApp app = deploy("PUSHRING_HTTP_ADMIN", "127.0.0.1:0");
    Ring before = RingPublisher.current(vertx);
    long published = System.currentTimeMillis();
    vertx.runOnContext(v -> RingPublisher.publish(vertx, before.withMembers(before.members().subList(0, 1), 2)));
    Thread.sleep(1500);   // time passing, for the age to show it (the assertion is on the age, not on this wait)
    JsonObject data = new JsonObject(http.get(app.adminPort(), "/api/v1/ring").body()).getJsonObject("data");
    assertThat(data.getLong("version")).isEqualTo(2);
    long since = Instant.parse(data.getString("since")).toEpochMilli();
    assertThat(since - published).as("ms from the publish to the admin side taking the ring").isBetween(0L, 1000L);
  }

  @Test
  void withoutAnAdminListenerEverythingStaysOnTheOnePort() throws IOException {
    PushringApp app = deploy();
    assertThat(app.adminPort()).isZero();
    for (String path : OPERATOR_PATHS) {
      assertThat(http.get(app.port(), path).status()).as("GET %s", path).isEqualTo(200);
    }
    assertThat(streamHead(app.port(), "/api/v1/tap")).startsWith("HTTP/1.1 200");
    assertThat(http.send(HttpMethod.PUT, app.port(), PUSH, "m 1\n").status()).isEqualTo(307);
  }

  @Test
  void anAdminAddressThatIsNotHostPortIsRefusedNamingTheKey() {
    for (String bad : List.of("9293", "127.0.0.1", "127.0.0.1:70000", "http://127.0.0.1:9293", ":9293")) {
      try {
        TestConfig.staticMembers(MEMBERS, "PUSHRING_HTTP_ADMIN", bad);
        throw new AssertionError("accepted http.admin=" + bad);
      } catch (ConfigException e) {
        assertThat(e.getMessage()).contains("http.admin");
      }
    }
  }

  @Test
  void theStatusPageAllowsExactlyItsOwnInlineStyleAndScriptAndNothingFramesIt() throws Exception {
    PushringApp app = deploy("PUSHRING_HTTP_ADMIN", "127.0.0.1:0");
    Response page = http.send(HttpMethod.GET, "127.0.0.1", app.adminPort(), "/", null, accept("text/html"));
    assertThat(page.status()).isEqualTo(200);
    String csp = page.header("Content-Security-Policy");
    assertThat(csp).startsWith("default-src 'none';").contains("frame-ancestors 'none'", "connect-src 'self'")
        .doesNotContain("unsafe-inline", "unsafe-eval", "*");
    // The hashes the policy allows are those of the page's own blocks, computed here independently.
    assertThat(csp).contains("style-src 'sha256-" + sha256(block("style", page.body())) + "'");
    assertThat(csp).contains("script-src 'sha256-" + sha256(block("script", page.body())) + "'");
    assertThat(page.body()).doesNotContain("style=\"", " onclick=", " onload=");
    assertCommonHeaders(page);

    for (String path : List.of("/api/v1/ring", "/api/v1/stats", "/metrics", "/sd/pushgateways", "/", "/nope")) {
      Response r = http.get(app.adminPort(), path);
      assertCommonHeaders(r);
      assertThat(r.header("Content-Security-Policy")).as(path).isEqualTo(SecurityHeaders.DATA_POLICY);
    }
    assertThat(streamHead(app.adminPort(), "/api/v1/tap")).contains("X-Frame-Options: DENY", "Referrer-Policy: no-referrer");
  }

  /**
   * An internal failure (here: something that is not a ring where the routers keep theirs) answers a
   * fixed 500, with none of the exception's text; the detail is in the log.
   */
  @Test
  void anInternalFailureAnswersAFixedTextAndLogsTheDetail() {
    PushringApp app = deploy("PUSHRING_HTTP_ADMIN", "127.0.0.1:0");
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logged);
    try {
      @SuppressWarnings({"unchecked", "rawtypes"})
      LocalMap<String, Object> rings = (LocalMap) RingPublisher.localMap(vertx);
      rings.put(RingPublisher.KEY, "not a ring");
      Response r = http.get(app.adminPort(), "/api/v1/ring");
      assertThat(r.status()).isEqualTo(500);
      assertThat(r.body()).isEqualTo("500 Internal Server Error\n");
      assertThat(r.header("Content-Type")).startsWith("text/plain");
      assertCommonHeaders(r);
      assertThat(logged.list).anySatisfy(e -> {
        assertThat(e.getFormattedMessage()).contains("internal error answering GET /api/v1/ring");
        assertThat(e.getThrowableProxy()).isNotNull();
      });
    } finally {
      root.detachAppender(logged);
    }
  }

  private static void assertCommonHeaders(Response r) {
    assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
    assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(r.header("Content-Security-Policy")).contains("frame-ancestors 'none'");
  }

  private static MultiMap accept(String type) {
    return MultiMap.caseInsensitiveMultiMap().add("Accept", type);
  }

  private static String block(String tag, String html) {
    Matcher m = Pattern.compile("<" + tag + ">(.*?)</" + tag + ">", Pattern.DOTALL).matcher(html);
    assertThat(m.find()).as("<%s> in the page", tag).isTrue();
    return m.group(1);
  }

  private static String sha256(String s) throws Exception {
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  /** The status line and headers of a streamed answer (the tap never ends), read up to the blank line. */
  static String streamHead(int port, String path) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) break;
        head.write(b);
      }
      return head.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
