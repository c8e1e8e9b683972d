package io.pushring.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pushring.adversarial.PushringOverPushgateways.Answer;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.testing.PushgatewayProcess;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * Issue 9, the request-input rows, each against pushring in front of three real Pushgateways 1.5.1,
 * with the raw bytes a hostile client sends (HTTP/1.1 socket, h2c):
 * <ul>
 *   <li>row 1: tens of thousands of label pairs in reverse order (a quadratic sort kept an event loop
 *       busy for seconds): refused at once with 400, on the push path and on {@code /api/v1/route};
 *   <li>row 6: control bytes in the query of a redirected push, CR/LF in an h2c {@code :path}, a space
 *       in an h2c {@code :path} in proxy mode: each answered 400, no stack trace in the log, and the
 *       connection or the next stream keeps working;
 *   <li>row 7: a raw {@code #} in the path: the {@code Location} names the group pushring placed.
 * </ul>
 * After each, a normal push still succeeds within 100 ms and lands on its owner.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileRequestTargetTest {
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);
  private PushringOverPushgateways fleet;
  private ListAppender<ILoggingEvent> logged;

  @BeforeAll
  void start() {
    fleet = new PushringOverPushgateways(3);
  }

  @AfterAll
  void stop() {
    if (fleet != null) fleet.close();
  }

  @BeforeEach
  void captureLog() {
    logged = new ListAppender<>();
    logged.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logged);
  }

  @AfterEach
  void releaseLog() {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logged);
  }

  /** No stack trace, and no more than one line per abuse kind (the issue: "at most a one-line log, rate-limited"). */
  private void assertQuietLog() {
    List<String> traces = new ArrayList<>();
    for (ILoggingEvent e : logged.list) {
      if (e.getThrowableProxy() != null) traces.add(e.getLoggerName() + ": " + e.getFormattedMessage());
    }
    assertThat(traces).as("log events with a stack trace").isEmpty();
    assertThat(logged.list.size()).as("log lines: %s", logged.list).isLessThanOrEqualTo(1);
  }

  @Test
  void controlBytesInTheQueryOfARedirectedPushAre400LikeThePushgateway() {
    PushgatewayProcess pg = fleet.pushgateways.get(0);
    List<String> wrong = new ArrayList<>();
    for (int b = 0; b <= 0x7f; b++) {
      if ((b >= 0x20 && b < 0x7f) || b == '\n') continue; // LF ends the request line: h2c test below
      String target = "/metrics/job/ctl/k/v?x=" + (char) b + "y";
      Answer ours = PushringOverPushgateways.raw(fleet.redirectPort, "PUT", target, PushringOverPushgateways.BODY, ANSWER_WITHIN);
      Answer theirs = PushringOverPushgateways.raw(pg.port(), "PUT", target, PushringOverPushgateways.BODY, ANSWER_WITHIN);
      if (ours.status() != 400 || theirs.status() != 400) {
        wrong.add(String.format("0x%02x: pushring %d %s, Pushgateway %d", b, ours.status(), ours.body().strip(), theirs.status()));
      }
    }
    assertThat(wrong).isEmpty();
    assertThat(withJob(pg, "ctl")).as("the Pushgateway stored nothing").isEmpty();
    assertQuietLog();
    fleet.assertNormalPushSucceedsPromptly("/metrics/job/after-ctl/instance/a");
  }

  @Test
  void aRawHashIsPlacedAndRedirectedAsOneGroup() {
    String path = "/metrics/job/x#frag/instance/i#2";
    Member owner = fleet.owner(path);
    assertThat(PushringOverPushgateways.labelsOf(path)).containsEntry("job", "x#frag").containsEntry("instance", "i#2");

    Answer redirect = PushringOverPushgateways.raw(fleet.redirectPort, "PUT", path + "?q#f", PushringOverPushgateways.BODY, ANSWER_WITHIN);
    assertThat(redirect.status()).isEqualTo(307);
    String location = redirect.header("location");
    assertThat(location).isEqualTo("http://" + owner.address() + "/metrics/job/x%23frag/instance/i%232?q%23f");
    // What a client does with it: parse it as a URI (a fragment would be cut off) and push there.
    URI uri = URI.create(location);
    assertThat(uri.getRawFragment()).isNull();
    PushgatewayProcess target = fleet.pushgatewayAt(uri.getHost(), uri.getPort());
    assertThat(target).isSameAs(fleet.pushgatewayOf(owner));
    assertThat(target.put(uri.getRawPath() + "?" + uri.getRawQuery(), PushringOverPushgateways.BODY).status()).isEqualTo(200);
    assertThat(withJob(target, "x#frag")).containsExactly(Map.of("job", "x#frag", "instance", "i#2"));

    // The proxy forwards the raw bytes, which the Pushgateway reads as the same group.
    assertThat(PushringOverPushgateways.raw(fleet.proxyPort, "PUT", path, PushringOverPushgateways.BODY, ANSWER_WITHIN).status())
        .isEqualTo(200);
    for (PushgatewayProcess pg : fleet.pushgateways) {
      if (pg != target) assertThat(withJob(pg, "x#frag")).as("non-owner " + pg).isEmpty();
    }
    assertThat(withJob(target, "x#frag")).hasSize(1);
    target.deleteAllGroups();
    assertQuietLog();
    fleet.assertNormalPushSucceedsPromptly("/metrics/job/after-hash");
  }

  @Test
  void bytesAUriCannotCarryAreEncodedInTheLocationAndLandOnTheOwner() {
    String path = "/metrics/job/\u00c3\u00a9\"{}|/k/<a>[b]^`\\";
    Member owner = fleet.owner(path);
    Answer redirect = PushringOverPushgateways.raw(fleet.redirectPort, "PUT", path, PushringOverPushgateways.BODY, ANSWER_WITHIN);
    assertThat(redirect.status()).isEqualTo(307);
    URI uri = URI.create(redirect.header("location"));   // a strict parser accepts it
    PushgatewayProcess target = fleet.pushgatewayAt(uri.getHost(), uri.getPort());
    assertThat(target).isSameAs(fleet.pushgatewayOf(owner));
    assertThat(target.put(uri.getRawPath(), PushringOverPushgateways.BODY).status()).isEqualTo(200);
    assertThat(withJob(target, "\u00e9\"{}|")).containsExactly(Map.of("job", "\u00e9\"{}|", "k", "<a>[b]^`\\"));
    target.deleteAllGroups();
    assertQuietLog();
  }

  @Test
  void overH2cCrLfAndControlBytesInThePathOrQueryAre400AndTheConnectionLivesOn() {
    List<String> targets = List.of("/metrics/job/bad\r\nb", "/metrics/job/bad\nb", "/metrics/job/bad?x\r\ny",
        "/metrics/job/bad?x=\u0001", "/metrics/job/bad?x=\u007f", "/metrics/job/bad b", "/metrics/job/bad?x y");
    for (int port : new int[] {fleet.redirectPort, fleet.proxyPort}) {
      for (String target : targets) {
        Answer a = fleet.h2c(port, HttpMethod.PUT, target, PushringOverPushgateways.BODY, ANSWER_WITHIN);
        assertThat(a.status()).as("%s on %s: %s", target.replace("\r", "\\r").replace("\n", "\\n"),
            port == fleet.redirectPort ? "redirect" : "proxy", a).isEqualTo(400);
        assertThat(a.body()).startsWith("invalid ");
      }
    }
    for (int port : new int[] {fleet.redirectPort, fleet.proxyPort}) {
      // The same h2c connection still carries a normal push.
      Answer normal = fleet.h2c(port, HttpMethod.PUT, "/metrics/job/after-h2c", PushringOverPushgateways.BODY, ANSWER_WITHIN);
      assertThat(normal.status()).isEqualTo(port == fleet.redirectPort ? 307 : 200);
    }
    for (PushgatewayProcess pg : fleet.pushgateways) {
      assertThat(pg.groups()).as("nothing malformed reached " + pg).noneMatch(g -> g.get("job").startsWith("bad"));
    }
    assertQuietLog();
    fleet.assertNormalPushSucceedsPromptly("/metrics/job/after-h2c");
  }

  @Test
  void tensOfThousandsOfLabelsInReverseOrderAreRefusedAtOnce() {
    StringBuilder path = new StringBuilder("/metrics/job/huge");
    for (int i = 29_999; i >= 0; i--) path.append("/l").append(i).append("/v");
    Answer push = PushringOverPushgateways.raw(fleet.redirectPort, "PUT", path.toString(), PushringOverPushgateways.BODY,
        Duration.ofSeconds(20));
    assertThat(push.status()).as(push.body()).isEqualTo(400);
    assertThat(push.body()).isEqualTo("too many labels in the grouping key: 30000 label pairs, pushring's limit is "
        + GroupingKeyParser.MAX_LABEL_PAIRS + " (a Pushgateway holding such a group slows down every push to it)\n");
    Answer proxied = PushringOverPushgateways.raw(fleet.proxyPort, "PUT", path.toString(), PushringOverPushgateways.BODY,
        Duration.ofSeconds(20));
    assertThat(proxied.status()).isEqualTo(400);
    for (PushgatewayProcess pg : fleet.pushgateways) assertThat(withJob(pg, "huge")).isEmpty();

    String api = "/api/v1/route?path=" + path.toString().replace("/", "%2F");
    Answer route = PushringOverPushgateways.raw(fleet.redirectPort, "GET", api, null, Duration.ofSeconds(20));
    assertThat(route.status()).isEqualTo(400);
    assertThat(new JsonObject(route.body()).getString("error")).contains("30000 label pairs");
    assertQuietLog();
    fleet.assertNormalPushSucceedsPromptly("/metrics/job/after-huge");
  }

  @Test
  void theRouteApiReadsThePathByteForByteAndAgreesWithThePush() {
    String path = "/metrics/job/x#frag/k/a+b";
    Answer route = PushringOverPushgateways.raw(fleet.redirectPort, "GET",
        "/api/v1/route?path=/metrics/job/x%23frag/k/a+b&ua=x", null, ANSWER_WITHIN);
    assertThat(route.status()).as(route.body()).isEqualTo(200);
    JsonObject data = new JsonObject(route.body()).getJsonObject("data");
    assertThat(data.getString("key")).isEqualTo("{job=\"x#frag\",k=\"a+b\"}");
    Answer push = PushringOverPushgateways.raw(fleet.redirectPort, "PUT", path, PushringOverPushgateways.BODY, ANSWER_WITHIN);
    assertThat(data.getString("location")).isEqualTo(push.header("location"))
        .isEqualTo("http://" + fleet.owner(path).address() + "/metrics/job/x%23frag/k/a+b");

    Answer control = PushringOverPushgateways.raw(fleet.redirectPort, "GET", "/api/v1/route?path=/metrics/job/a%3Fx%01", null,
        ANSWER_WITHIN);
    assertThat(control.status()).isEqualTo(400);
    assertThat(new JsonObject(control.body()).getString("error")).isEqualTo("invalid control character in URL");
    Answer notUtf8 = PushringOverPushgateways.raw(fleet.redirectPort, "GET", "/api/v1/route?path=/metrics/job/%FF", null,
        ANSWER_WITHIN);
    assertThat(notUtf8.status()).isEqualTo(400);
    assertThat(new JsonObject(notUtf8.body()).getString("error")).contains("is not valid UTF-8");
    assertQuietLog();
  }

  /** Netty cannot decode these request lines: the Pushgateway's wording instead of Vert.x's empty 400. */
  @Test
  void requestLinesNettyCannotDecodeGetGosWording() {
    PushgatewayProcess pg = fleet.pushgateways.get(0);
    for (String target : List.of("/metrics/job/a?x\ty", "/metrics/job/a\u000bb", "/metrics/job/a\rb")) {
      Answer ours = PushringOverPushgateways.raw(fleet.redirectPort, "PUT", target, PushringOverPushgateways.BODY, ANSWER_WITHIN);
      Answer theirs = PushringOverPushgateways.raw(pg.port(), "PUT", target, PushringOverPushgateways.BODY, ANSWER_WITHIN);
      assertThat(ours.status()).isEqualTo(theirs.status()).isEqualTo(400);
      assertThat(ours.body()).isEqualTo(theirs.body()).isEqualTo("400 Bad Request");
      assertThat(ours.header("connection")).isEqualTo("close");
    }
    Answer tooLong = PushringOverPushgateways.raw(fleet.redirectPort, "PUT", "/metrics/job/a/k/" + "v".repeat(1 << 20),
        PushringOverPushgateways.BODY, Duration.ofSeconds(20));
    assertThat(tooLong.status()).isEqualTo(414);
    assertThat(tooLong.body()).isEqualTo("414 URI Too Long");
    assertQuietLog();
  }

  /** vertx-web logged a stack trace for each of these (a path it cannot decode, a query parameter it cannot). */
  @Test
  void targetsThatAreNotPushesAndCannotBeDecodedAre400WithoutAStackTrace() {
    for (String target : List.of("/foo%zz", "/Metrics/job/a%g0", "/api/v1/ring%zz", "/%", "/api/v1/route%4")) {
      Answer a = PushringOverPushgateways.raw(fleet.redirectPort, "GET", target, null, ANSWER_WITHIN);
      assertThat(a.status()).as(target).isEqualTo(400);
      assertThat(a.body()).as(target).startsWith("invalid URL escape \"%");
    }
    Answer route = PushringOverPushgateways.raw(fleet.redirectPort, "GET", "/api/v1/route?path=/metrics/job/a&ua=%zz", null,
        ANSWER_WITHIN);
    assertThat(route.status()).isEqualTo(400);
    assertThat(new JsonObject(route.body()).getString("error")).startsWith("invalid query: ");
    // Over h2c control bytes reach the router on any path: 400 as Go, not a 404.
    Answer h2 = fleet.h2c(fleet.redirectPort, HttpMethod.GET, "/foo\u0001", null, ANSWER_WITHIN);
    assertThat(h2.status()).isEqualTo(400);
    assertThat(h2.body()).isEqualTo("invalid control character in URL\n");
    assertQuietLog();
  }

  private static List<Map<String, String>> withJob(PushgatewayProcess pg, String job) {
    return pg.groups().stream().filter(g -> job.equals(g.get("job"))).toList();
  }
}
