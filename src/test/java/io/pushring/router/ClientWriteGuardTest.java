package io.pushring.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.pushring.PushringApp;
import io.pushring.bus.GroupWriteGuard;
import io.pushring.bus.RingPublisher;
import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client's write of a moved group and the reconciler's read-then-write of the same group on its
 * owner never interleave within one instance ({@link GroupWriteGuard}): against real Pushgateways,
 * with the reconciler's side played by the test (it takes the group as a migration would, between
 * its re-read of the owner and its PUT), so that the order is decided, not left to timing. On the
 * code before the guard, the client's write went on at once and landed before the "migration".
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientWriteGuardTest {
  private final List<PushgatewayProcess> pgs = new ArrayList<>();
  private Member a, b, c, d;
  private Vertx vertx;
  private PushringApp app;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.ALWAYS)
      .version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  void startPushgateways() {
    for (int i = 0; i < 4; i++) pgs.add(PushgatewayProcess.start());
    a = member(0);
    b = member(1);
    c = member(2);
    d = member(3);
  }

  @AfterAll
  void stopPushgateways() {
    pgs.forEach(PushgatewayProcess::close);
  }

  @BeforeEach
  void clean() {
    pgs.forEach(PushgatewayProcess::deleteAllGroups);
  }

  @AfterEach
  void stopPushring() {
    if (vertx != null) vertx.close().await();
    vertx = null;
  }

  private Member member(int i) {
    return Member.ofAddress(pgs.get(i).host(), pgs.get(i).port());
  }

  private PushgatewayProcess pg(Member m) {
    return pgs.get(List.of(a, b, c, d).indexOf(m));
  }

  /** pushring with the reconciler on (so the routers mark), its passes too far away to run here. */
  private void deploy(String mode, boolean reconcile) {
    vertx = Vertx.vertx();
    app = PushringApp.deploy(vertx, TestConfig.staticMembers(a.address() + "," + b.address() + "," + c.address(),
        "PUSHRING_ROUTER_MODE", mode,
        "PUSHRING_RECONCILE_ENABLED", Boolean.toString(reconcile),
        "PUSHRING_RECONCILE_SETTLE", "10m",
        "PUSHRING_RECONCILE_INTERVAL", "24h")).await();
  }

  private Ring publish(long version, Member... members) {
    Ring ring = Ring.build(Placement.GROUPING_KEY, List.of(members), version);
    RingPublisher.publish(vertx, ring);
    return ring;
  }

  /** A path whose owner differs between the two rings. */
  private static String movedPath(Ring before, Ring after, String job) {
    for (int i = 0; ; i++) {
      String p = "/metrics/job/" + job + "/instance/i" + i;
      GroupingKey k = GroupingKeyParser.parse(p);
      if (!before.route(k).equals(after.route(k))) return p;
    }
  }

  private static long guardKey(String path) {
    return Placement.GROUPING_KEY.hash(GroupingKeyParser.parse(path));
  }

  private CompletableFuture<HttpResponse<String>> send(HttpClient client, String method, String path, String body) {
    return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
            .method(method, HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private boolean holds(Member m, String instance) {
    return pg(m).groups().stream().anyMatch(g -> instance.equals(g.get("instance")));
  }

  /** The value of gauge {@code v} of the group with that instance label on member {@code m}, or null. */
  private String value(Member m, String instance) {
    String text = pg(m).request("GET", "/metrics", null, Duration.ofSeconds(10)).bodyText();
    for (String line : text.split("\n")) {
      if (line.startsWith("v{") && line.contains("instance=\"" + instance + "\"")) return line.substring(line.lastIndexOf(' ') + 1);
    }
    return null;
  }

  private double waited() {
    Counter counter = app.metrics().registry().find("pushring.client.writes.waited").counter();
    return counter == null ? 0 : counter.count();
  }

  @ParameterizedTest
  @ValueSource(strings = {"proxy", "redirect"})
  void aPushOfAMovedGroupWaitsForTheReconcilersWriteOfItAndLandsAfterIt(String mode) throws Exception {
    deploy(mode, true);
    Ring three = RingPublisher.current(vertx);
    Ring four = publish(2, a, b, c, d);
    String path = movedPath(three, four, "guarded");
    String instance = path.substring(path.lastIndexOf('/') + 1);
    Member owner = four.route(GroupingKeyParser.parse(path));
    GroupWriteGuard guard = GroupWriteGuard.of(vertx);

    assertThat(guard.tryReconcilerWrite(guardKey(path))).isTrue();   // a migration between its re-read and its PUT
    CompletableFuture<HttpResponse<String>> push = send(following, "PUT", path, "# TYPE v gauge\nv 2\n");
    Await.sleep(400);
    assertThat(push).as("the client's write waits for the reconciler's").isNotDone();
    assertThat(holds(owner, instance)).isFalse();
    // the "migration" PUTs the older copy, then lets go
    assertThat(pg(owner).put(GroupingKeyParser.parse(path).base64Path(), "# TYPE v gauge\nv 1\n").status()).isEqualTo(200);
    guard.reconcilerDone(guardKey(path));

    HttpResponse<String> answer = push.get(10, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(value(owner, instance)).as("the newer value, pushed after the migration, wins").isEqualTo("2");
    assertThat(waited()).isEqualTo(1);
    if (mode.equals("redirect")) {
      assertThat(guard.tryReconcilerWrite(guardKey(path)))
          .as("a redirected write is out of the router's sight: its mark is held a while").isFalse();
    } else {
      assertThat(guard.tryReconcilerWrite(guardKey(path)))
          .as("a proxied write's mark ends with the owner's answer: the owner's re-read sees it").isTrue();
    }
  }

  @Test
  void aPushOfAGroupWhoseFormerOwnerLeftTheRingIsMarkedToo() throws Exception {
    deploy("redirect", true);   // a redirected write's mark is held a while: visible after the answer
    Ring three = RingPublisher.current(vertx);
    Ring two = publish(2, a, b);   // c leaves (a scale-in: it may still hold copies the reconciler moves)
    String path = movedPath(three, two, "left");
    HttpResponse<String> r = send(http, "PUT", path, "# TYPE v gauge\nv 1\n").get(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(307);
    assertThat(GroupWriteGuard.of(vertx).tryReconcilerWrite(guardKey(path))).isFalse();
  }

  @Test
  void aClientDeleteWaitsForTheReconcilersWriteSoTheGroupIsNotRecreatedAfterIt() throws Exception {
    deploy("proxy", true);
    Ring three = RingPublisher.current(vertx);
    String path = "/metrics/job/deleted/instance/x";
    String instance = "x";
    Member owner = three.route(GroupingKeyParser.parse(path));
    assertThat(send(http, "PUT", path, "# TYPE v gauge\nv 1\n").get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    GroupWriteGuard guard = GroupWriteGuard.of(vertx);
    assertThat(guard.tryReconcilerWrite(guardKey(path))).isTrue();
    CompletableFuture<HttpResponse<String>> delete = send(http, "DELETE", path, "");
    Await.sleep(400);
    assertThat(delete).isNotDone();
    pg(owner).put(GroupingKeyParser.parse(path).base64Path(), "# TYPE v gauge\nv 1\n");   // the migration's PUT
    guard.reconcilerDone(guardKey(path));
    assertThat(delete.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
    Await.until("the group deleted everywhere", Duration.ofSeconds(5),
        () -> pgs.stream().noneMatch(pg -> pg.groups().stream().anyMatch(g -> instance.equals(g.get("instance")))));
  }

  @Test
  void aProxiedWriteKeepsItsGroupMarkedWhileItIsOnItsWay() throws Exception {
    deploy("proxy", true);
    Ring three = RingPublisher.current(vertx);
    Ring four = publish(2, a, b, c, d);
    String path = movedPath(three, four, "slow");
    Member owner = four.route(GroupingKeyParser.parse(path));
    GroupWriteGuard guard = GroupWriteGuard.of(vertx);
    pg(owner).stop();   // SIGSTOP: the owner accepts the connection but never answers
    try {
      CompletableFuture<HttpResponse<String>> push = send(http, "PUT", path, "v 1\n");
      Await.until("the write marked", Duration.ofSeconds(5), () -> {
        boolean taken = guard.tryReconcilerWrite(guardKey(path));
        if (taken) guard.reconcilerDone(guardKey(path));
        return !taken;
      });
      Await.sleep(300);
      assertThat(push).isNotDone();
      assertThat(guard.tryReconcilerWrite(guardKey(path))).as("still on its way").isFalse();
    } finally {
      pg(owner).resume();
    }
    Await.until("the mark released once the owner answered", Duration.ofSeconds(10), () -> {
      boolean taken = guard.tryReconcilerWrite(guardKey(path));
      if (taken) guard.reconcilerDone(guardKey(path));
      return taken;
    });
  }

  @Test
  void withoutAReconcilerInThisInstanceNothingWaits() throws Exception {
    deploy("proxy", false);
    Ring three = RingPublisher.current(vertx);
    Ring four = publish(2, a, b, c, d);
    String path = movedPath(three, four, "free");
    GroupWriteGuard.of(vertx).tryReconcilerWrite(guardKey(path));   // nobody reads it: no reconciler here
    HttpResponse<String> r = send(http, "PUT", path, "v 1\n").get(5, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
  }
}
