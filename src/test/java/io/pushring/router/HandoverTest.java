package io.pushring.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.pushring.PushringApp;
import io.pushring.bus.RingPublisher;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.RecordingUpstream;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The router's part of re-shard hygiene against real Pushgateways: after a ring change, the first
 * PUT of a key whose owner changed removes the copy on its previous owner (proxy and redirect
 * modes), unmoved keys cost no DELETE, the bounds (window, max keys, timeout) hold, a POST leaves the
 * old copy alone. Rings are changed by publishing them, as discovery does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HandoverTest {
  private static final int KEYS = 60;

  private final List<PushgatewayProcess> pgs = new ArrayList<>();
  private Member a, b, c, d;
  private Vertx vertx;
  private PushringApp app;
  private long version;
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

  private void deploy(String mode, String... overrides) {
    List<String> env = new ArrayList<>(List.of("PUSHRING_ROUTER_MODE", mode));
    env.addAll(List.of(overrides));
    vertx = Vertx.vertx();
    app = PushringApp.deploy(vertx, TestConfig.staticMembers(a.address() + "," + b.address() + "," + c.address(),
        env.toArray(String[]::new))).await();
    version = 1;
  }

  private Ring publish(Member... members) {
    Ring ring = Ring.build(Placement.GROUPING_KEY, List.of(members), ++version);
    RingPublisher.publish(vertx, ring);
    return ring;
  }

  private static String path(int i) {
    return "/metrics/job/handover/instance/host-" + i;
  }

  private static Member owner(Ring ring, int i) {
    return ring.route(GroupingKeyParser.parse(path(i)));
  }

  private int send(String method, String path, String body) {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
          .method(method, HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(20)).build();
      return following.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      throw new AssertionError(method + " " + path, e);
    }
  }

  private void pushAll(String method, int value) {
    for (int i = 0; i < KEYS; i++) {
      assertThat(send(method, path(i), "handover_value " + value + "\n")).as(method + " " + path(i)).isBetween(200, 202);
    }
  }

  /** Member to the instance labels of the groups it holds. */
  private Map<Member, Set<String>> holdings() {
    Map<Member, Set<String>> out = new LinkedHashMap<>();
    for (int i = 0; i < pgs.size(); i++) {
      out.put(member(i), pgs.get(i).groups().stream().map(g -> g.get("instance")).collect(Collectors.toSet()));
    }
    return out;
  }

  private Map<Member, Set<String>> expectedOnlyOnOwners(Ring ring) {
    Map<Member, Set<String>> out = new LinkedHashMap<>();
    for (int i = 0; i < pgs.size(); i++) out.put(member(i), new java.util.HashSet<>());
    for (int i = 0; i < KEYS; i++) out.get(owner(ring, i)).add("host-" + i);
    return out;
  }

  private double count(String name, String tag, String value) {
    Counter counter = app.metrics().registry().find(name).tag(tag, value).counter();
    return counter == null ? 0 : counter.count();
  }

  private double deletes(String result) {
    return count("pushring.handover.deletes", "result", result);
  }

  private List<Integer> movedTo(Ring before, Ring after, Member to) {
    List<Integer> moved = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      if (!owner(before, i).equals(owner(after, i)) && owner(after, i).equals(to)) moved.add(i);
    }
    return moved;
  }

  @ParameterizedTest
  @ValueSource(strings = {"proxy", "redirect"})
  void afterItsFirstPushAMovedGroupLivesOnlyOnItsNewOwner(String mode) {
    deploy(mode);
    Ring v1 = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 1);
    pushAll("PUT", 1);
    assertThat(holdings()).isEqualTo(expectedOnlyOnOwners(v1));

    // scale-out: D takes about a quarter of the keys; their copies stay on A, B, C until pushed
    Ring v2 = publish(a, b, c, d);
    List<Integer> toD = movedTo(v1, v2, d);
    assertThat(toD).isNotEmpty();
    pushAll("PUT", 2);
    Await.until(() -> "only on owners: " + holdings(), Duration.ofSeconds(10),
        () -> holdings().equals(expectedOnlyOnOwners(v2)));
    // one DELETE per moved key, none for the others
    assertThat(deletes("ok")).isEqualTo(toD.size());
    pushAll("PUT", 3);
    assertThat(deletes("ok")).as("once per key and change").isEqualTo(toD.size());

    // D leaves the ring but stays up: it is not contacted, its copies are the reconciler's
    Ring v3 = publish(a, b, c);
    pushAll("PUT", 4);
    assertThat(deletes("ok") + deletes("failed") + deletes("timeout")).isEqualTo(toD.size());
    assertThat(holdings().get(d)).hasSize(toD.size());

    // D is back (its old copies still there): the survivors' copies go, D's are replaced
    Ring v4 = publish(a, b, c, d);
    List<Integer> backToD = movedTo(v3, v4, d);
    assertThat(backToD).hasSameElementsAs(toD);
    pushAll("PUT", 5);
    Await.until(() -> "only on owners: " + holdings(), Duration.ofSeconds(10),
        () -> holdings().equals(expectedOnlyOnOwners(v4)));
    assertThat(deletes("ok")).isEqualTo(2.0 * toD.size());
    assertThat(deletes("failed") + deletes("timeout")).isZero();
  }

  @Test
  void aPostLeavesThePreviousCopyAlone() {
    deploy("proxy");
    Ring v1 = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 1);
    pushAll("PUT", 1);
    Ring v2 = publish(a, b, c, d);
    List<Integer> toD = movedTo(v1, v2, d);
    pushAll("POST", 2);
    assertThat(deletes("ok") + deletes("failed") + deletes("timeout")).isZero();
    assertThat(count("pushring.handover.skipped", "reason", "post")).isEqualTo(toD.size());
    int onPrevious = 0;
    for (int i : toD) if (holdings().get(owner(v1, i)).contains("host-" + i)) onPrevious++;
    assertThat(onPrevious).isEqualTo(toD.size());
  }

  @Test
  void beyondMaxKeysMovedKeysAreLeftToTheReconciler() {
    deploy("proxy", "PUSHRING_ROUTER_HANDOVER_MAX_KEYS", "2");
    Ring v1 = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 1);
    pushAll("PUT", 1);
    Ring v2 = publish(a, b, c, d);
    List<Integer> toD = movedTo(v1, v2, d);
    assertThat(toD.size()).isGreaterThan(2);
    pushAll("PUT", 2);
    assertThat(deletes("ok")).isEqualTo(2);
    assertThat(count("pushring.handover.skipped", "reason", "cap")).isEqualTo(toD.size() - 2);
    pushAll("PUT", 3);   // the two remembered stay handled, the others stay over the cap
    assertThat(deletes("ok")).isEqualTo(2);
    Await.until("stale copies left beyond the cap", Duration.ofSeconds(10), () -> {
      int stale = 0;
      Map<Member, Set<String>> held = holdings();
      for (int i : toD) if (held.get(owner(v1, i)).contains("host-" + i)) stale++;
      return stale == toD.size() - 2;
    });
  }

  @Test
  void afterTheWindowMovedKeysAreLeftToTheReconciler() {
    deploy("proxy", "PUSHRING_ROUTER_HANDOVER_WINDOW", "300ms");
    Ring v1 = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 1);
    pushAll("PUT", 1);
    Ring v2 = publish(a, b, c, d);
    assertThat(movedTo(v1, v2, d)).isNotEmpty();
    Await.sleep(500);   // the window passes: what is being tested is time
    pushAll("PUT", 2);
    assertThat(deletes("ok") + deletes("failed") + deletes("timeout")).isZero();
  }

  @Test
  void aSlowPreviousOwnerHoldsThePushNoLongerThanTheTimeout() {
    try (RecordingUpstream slow = new RecordingUpstream().neverAnswer()) {
      Member s = Member.ofAddress("127.0.0.1", slow.port());
      vertx = Vertx.vertx();
      app = PushringApp.deploy(vertx, TestConfig.staticMembers(s.address() + "," + a.address(),
          "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_ROUTER_HANDOVER_TIMEOUT", "300ms")).await();
      version = 1;
      Ring v1 = Ring.build(Placement.GROUPING_KEY, List.of(s, a), 1);
      Ring v2 = publish(s, a, b);
      int moved = -1;
      for (int i = 0; i < 1000 && moved < 0; i++) if (owner(v1, i).equals(s) && owner(v2, i).equals(b)) moved = i;
      assertThat(moved).isNotNegative();
      int finalMoved = moved;
      // warm up (classes, connections) with keys that did not move, so the timing is the DELETE's
      for (int i = 0, warm = 0; i < 1000 && warm < 20; i++) {
        if (!owner(v1, i).equals(s) && owner(v1, i).equals(owner(v2, i))) {
          assertThat(send("PUT", path(i), "handover_value 0\n")).isEqualTo(200);
          warm++;
        }
      }
      assertThat(deletes("ok") + deletes("failed") + deletes("timeout")).isZero();
      long t0 = System.nanoTime();
      assertThat(send("PUT", path(moved), "handover_value 1\n")).isEqualTo(200);
      long millis = Await.millisSince(t0);
      assertThat(millis).isBetween(300L, 1_500L);
      assertThat(deletes("timeout")).isEqualTo(1);
      assertThat(slow.await(1, 5_000)).singleElement().satisfies(seen -> {
        assertThat(seen.method()).isEqualTo("DELETE");
        assertThat(seen.uri()).isEqualTo(GroupingKeyParser.parse(path(finalMoved)).base64Path());
      });
      assertThat(pgs.get(1).groups()).anySatisfy(g -> assertThat(g.get("instance")).isEqualTo("host-" + finalMoved));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"proxy", "redirect"})
  void aClientDeleteRemovesTheGroupFromEveryMember(String mode) {
    deploy(mode);
    publish(a, b, c, d);
    // copies everywhere, as several changes can leave them; and a group that must stay
    for (PushgatewayProcess pg : pgs) {
      assertThat(pg.put(path(7), "handover_value 1\n").is2xx()).isTrue();
      assertThat(pg.put(path(8), "handover_value 1\n").is2xx()).isTrue();
    }
    assertThat(send("DELETE", path(7), "")).isEqualTo(202);
    Await.until(() -> "host-7 gone everywhere: " + holdings(), Duration.ofSeconds(10),
        () -> holdings().values().stream().noneMatch(held -> held.contains("host-7")));
    assertThat(holdings().values()).allSatisfy(held -> assertThat(held).containsExactly("host-8"));
    assertThat(count("pushring.delete.fanout", "result", "ok")).isEqualTo(3);
    assertThat(deletes("ok")).isZero();
  }

  @Test
  void aMemberThatCannotBeReachedDoesNotFailTheClientsDelete() {
    Member dead = Member.ofAddress("127.0.0.1", io.pushring.testing.FreePorts.find());
    vertx = Vertx.vertx();
    app = PushringApp.deploy(vertx, TestConfig.staticMembers(a.address() + "," + b.address() + "," + dead.address(),
        "PUSHRING_ROUTER_MODE", "proxy")).await();
    Ring ring = Ring.build(Placement.GROUPING_KEY, List.of(a, b, dead), 1);
    int i = 0;
    while (owner(ring, i).equals(dead)) i++;
    int key = i;
    Member other = owner(ring, key).equals(a) ? b : a;
    assertThat(pgs.get(other.equals(a) ? 0 : 1).put(path(key), "handover_value 1\n").is2xx()).isTrue();
    assertThat(send("DELETE", path(key), "")).isEqualTo(202);
    assertThat(count("pushring.delete.fanout", "result", "failed")).isEqualTo(1);
    assertThat(count("pushring.delete.fanout", "result", "ok")).isEqualTo(1);
    Await.until("the copy on the other live member is gone", Duration.ofSeconds(10),
        () -> !holdings().get(other).contains("host-" + key));
  }
}
