package io.pushring.tap;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.bus.RingPublisher;
import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.testing.Await;
import io.pushring.testing.JdkHttp;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.pushring.ring.Ring;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tap end to end: pushes through the router, events out of {@code GET /api/v1/tap}. */
class TapStreamTest {
  private static final String MEMBERS = "10.0.0.1:9091,10.0.0.2:9091,10.0.0.3:9091";
  private static final Duration WAIT = Duration.ofSeconds(5);
  /** How long "no further event" is watched for. */
  private static final Duration QUIET = Duration.ofMillis(400);

  private Vertx vertx;
  private JdkHttp http;
  private int port;
  private TapSwitch tap;

  /** One push the test makes and the event it must produce. */
  private record Push(HttpMethod method, String path, String decision, int status) {}

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    http = new JdkHttp();
    PushringApp app = PushringApp.deploy(vertx, TestConfig.staticMembers(MEMBERS)).await();
    port = app.port();
    tap = app.tap();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private void send(Push p) {
    assertThat(http.send(p.method().name(), port, p.path(), p.method() == HttpMethod.GET ? null : "m 1\n").status())
        .as("%s %s", p.method(), p.path()).isEqualTo(p.status());
  }

  private Member owner(String path) {
    return RingPublisher.current(vertx).route(GroupingKeyParser.parse(path));
  }

  private static final List<Push> MIX = List.of(
      new Push(HttpMethod.PUT, "/metrics/job/alpha/instance/a", "redirect", 307),
      new Push(HttpMethod.POST, "/metrics/job/beta/instance/b", "redirect", 307),
      new Push(HttpMethod.DELETE, "/metrics/job/alpha/instance/c", "redirect", 307),
      new Push(HttpMethod.GET, "/metrics/job/gamma", "lookup", 200),
      new Push(HttpMethod.PUT, "/metrics/job/alpha/odd", "reject", 400),
      new Push(HttpMethod.PATCH, "/metrics/job/beta", "reject", 405),
      new Push(HttpMethod.PUT, "/metrics/job@base64/YWxwaGE/instance/d", "redirect", 307));

  private void assertEvent(JsonObject e, Push p) {
    assertThat(e.getString("method")).isEqualTo(p.method().name());
    assertThat(e.getString("path")).isEqualTo(p.path());
    assertThat(e.getString("decision")).as(p.path()).isEqualTo(p.decision());
    assertThat(e.getInteger("status")).isEqualTo(p.status());
    assertThat(e.getLong("ringVersion")).isEqualTo(1);
    assertThat(e.getLong("micros")).isNotNegative();
    assertThat(e.getString("ts")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
    if (p.status() == 400 || p.status() == 405) {
      assertThat(e.getString("key")).isNull();
      assertThat(e.getString("member")).isNull();
      assertThat(e.getString("reason")).isNotBlank();
      return;
    }
    GroupingKey key = GroupingKeyParser.parse(p.path());
    assertThat(e.getString("key")).isEqualTo(key.printable());
    if (p.decision().equals("reject")) {
      assertThat(e.getString("member")).isNull();
    } else {
      Member owner = owner(p.path());
      assertThat(e.getString("member")).as(p.path()).isEqualTo(owner.id());
      assertThat(e.getString("address")).isEqualTo(owner.address());
    }
  }

  @Test
  void aSubscriberSeesExactlyTheDecisionsMadeInOrder() {
    try (SseClient sse = SseClient.open(vertx, port, "")) {
      for (Push p : MIX) send(p);
      List<JsonObject> events = sse.take(MIX.size(), WAIT);
      assertThat(events).hasSize(MIX.size());
      for (int i = 0; i < MIX.size(); i++) assertEvent(events.get(i), MIX.get(i));
      assertThat(sse.take(1, QUIET)).as("no event beyond the pushes made").isEmpty();
      assertThat(events.get(6).getString("job")).as("job decoded from base64").isEqualTo("alpha");
    }
  }

  @Test
  void filtersAndSeveralSubscribersAtOnce() {
    String someMember = owner("/metrics/job/beta/instance/b").id();
    try (SseClient all = SseClient.open(vertx, port, "");
         SseClient alpha = SseClient.open(vertx, port, "job=alpha");
         SseClient rejects = SseClient.open(vertx, port, "decision=reject");
         SseClient onMember = SseClient.open(vertx, port, "member=" + someMember + "&decision=redirect,lookup");
         SseClient byAddress = SseClient.open(vertx, port, "member=" + owner("/metrics/job/gamma").address())) {
      assertThat(tap.subscribers()).isEqualTo(5);
      for (Push p : MIX) send(p);

      assertThat(all.take(MIX.size(), WAIT)).hasSize(MIX.size());
      // The job is known once the path parsed: the 400 under job alpha has none.
      assertFiltered(alpha, p -> (p.path().contains("alpha") || p.path().contains("YWxwaGE")) && p.status() != 400);
      assertFiltered(rejects, p -> p.decision().equals("reject"));
      assertFiltered(onMember, p -> (p.decision().equals("redirect") || p.decision().equals("lookup"))
          && owner(p.path()).id().equals(someMember));
      String gammaOwner = owner("/metrics/job/gamma").id();
      assertFiltered(byAddress, p -> !p.decision().equals("reject") && owner(p.path()).id().equals(gammaOwner));
    }
  }

  private void assertFiltered(SseClient sse, java.util.function.Predicate<Push> wanted) {
    List<Push> expected = MIX.stream().filter(wanted).toList();
    List<JsonObject> got = sse.take(expected.size(), WAIT);
    assertThat(got).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) assertEvent(got.get(i), expected.get(i));
    assertThat(sse.take(1, QUIET)).isEmpty();
  }

  @Test
  void withNoSubscriberNothingIsPublished() {
    for (int i = 0; i < 20; i++) for (Push p : MIX) send(p);
    assertThat(tap.subscribers()).isZero();
    assertThat(tap.publishedCount()).isZero();

    try (SseClient sse = SseClient.open(vertx, port, "")) {
      send(MIX.get(0));
      assertThat(sse.take(1, WAIT)).hasSize(1);
      assertThat(tap.publishedCount()).isEqualTo(1);
    }
    awaitSubscribers(0);
    for (Push p : MIX) send(p);
    assertThat(tap.publishedCount()).as("nothing after the last subscriber left").isEqualTo(1);
  }

  @Test
  void badFiltersAre400AndADisabledTapIs404() {
    assertThat(http.get(port, "/api/v1/tap?decision=maybe").status()).isEqualTo(400);
    assertThat(http.get(port, "/api/v1/tap?sample=2").body()).startsWith("sample:");
    Vertx off = Vertx.vertx();
    try {
      JdkHttp client = new JdkHttp();
      PushringApp app = PushringApp.deploy(off, TestConfig.staticMembers(MEMBERS, "PUSHRING_TAP_ENABLED", "false")).await();
      assertThat(client.get(app.port(), "/api/v1/tap").status()).isEqualTo(404);
      assertThat(app.tap().active()).isFalse();
    } finally {
      off.close().await();
    }
  }

  @Test
  void aStalledReaderLosesEventsThenIsDisconnectedWhileAFastOneGetsEverything() {
    // A tiny receive buffer and a paused reader: the server's write queue fills quickly.
    try (SseClient slow = SseClient.open(vertx, port, "", new HttpClientOptions().setReceiveBufferSize(4096));
         SseClient fast = SseClient.open(vertx, port, "job=alpha")) {
      slow.response().pause();
      long fillStarted = System.currentTimeMillis();   // the stall began after this
      long stalledAt = fillUntilDropping();

      // The slow reader stays stuck: routing goes on, the other subscriber gets every one of its events.
      long[] micros = new long[50];
      for (int i = 0; i < micros.length; i++) {
        long t = System.nanoTime();
        send(MIX.get(0));
        micros[i] = (System.nanoTime() - t) / 1_000;
      }
      assertThat(fast.take(micros.length, WAIT)).hasSize(micros.length);
      java.util.Arrays.sort(micros);
      System.out.printf("stalled subscriber: %d events dropped; 50 pushes meanwhile: median %d us, max %d us per push"
          + " (blocking client, round trip)%n", tap.droppedCount(), micros[micros.length / 2], micros[micros.length - 1]);

      // Still stalled after TapStream.STALL_MILLIS: disconnected, the fast one stays.
      long deadline = stalledAt + TapStream.STALL_MILLIS + WAIT.toMillis() + 5_000;
      // the caller's assertion reports it; the filler keeps the stalled reader's queue full meanwhile
      Await.holdsWithin(Duration.ofMillis(Math.max(0, deadline - System.currentTimeMillis())), Duration.ofMillis(100), () -> {
        if (tap.disconnectedCount() != 0) return true;
        publishFiller(20);
        return false;
      });
      assertThat(tap.disconnectedCount()).as("the stalled reader was disconnected").isEqualTo(1);
      assertThat(System.currentTimeMillis() - fillStarted).as("not before the stall limit").isGreaterThanOrEqualTo(TapStream.STALL_MILLIS);
      awaitSubscribers(1);
      send(MIX.get(0));
      assertThat(fast.take(1, WAIT)).as("the fast subscriber is still served").hasSize(1);
    }
  }

  @Test
  void aReaderThatCatchesUpIsToldHowManyEventsItMissed() {
    try (SseClient slow = SseClient.open(vertx, port, "", new HttpClientOptions().setReceiveBufferSize(4096))) {
      slow.response().pause();
      fillUntilDropping();
      slow.response().resume();
      String[] found = {null};
      Await.holdsWithin(WAIT, () -> {
        String c = slow.nextComment(Duration.ofMillis(200));
        if (c != null && c.contains("events dropped")) found[0] = c;
        return found[0] != null;
      });
      String report = found[0];
      assertThat(report).as("the stream says it dropped events").isNotNull().matches("\\d+ events dropped.*");
      assertThat(tap.disconnectedCount()).isZero();
      assertThat(tap.subscribers()).isEqualTo(1);
    }
  }

  @Test
  void beyondTheSubscriberLimitAStreamIsRefusedWith503() {
    Vertx limited = Vertx.vertx();
    try {
      PushringApp app = PushringApp.deploy(limited,
          TestConfig.staticMembers(MEMBERS, "PUSHRING_TAP_MAX_SUBSCRIBERS", "2")).await();
      try (SseClient one = SseClient.open(limited, app.port(), "");
           SseClient two = SseClient.open(limited, app.port(), "job=x")) {
        JdkHttp.Response refused = http.get(app.port(), "/api/v1/tap");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isEqualTo(TapStream.RETRY_AFTER_SECONDS);
        assertThat(refused.body()).contains("2 subscribers").contains("tap.max-subscribers");
        assertThat(app.tap().refusedCount()).isEqualTo(1);
        assertThat(app.tap().subscribers()).isEqualTo(2);
      }
      Await.holdsWithin(WAIT, () -> app.tap().subscribers() == 0);
      try (SseClient again = SseClient.open(limited, app.port(), "")) {
        assertThat(app.tap().subscribers()).as("a slot freed by a closed stream is reused").isEqualTo(1);
      }
    } finally {
      limited.close().await();
    }
  }

  /**
   * The shape of DESIGN.md: decisions travel on event bus "pushring.tap", so another local consumer
   * sees every one a subscriber sees, and the hub receives them on its worker context.
   */
  @Test
  void decisionsTravelOnTheEventBusToAnyLocalConsumerAndReachTheHubOnItsWorker() {
    List<TapEvent> onBus = java.util.Collections.synchronizedList(new ArrayList<>());
    vertx.eventBus().<TapEvent>localConsumer("pushring.tap", msg -> onBus.add(msg.body())).completion().await();
    try (SseClient sse = SseClient.open(vertx, port, "")) {
      for (Push p : MIX) send(p);
      List<JsonObject> events = sse.take(MIX.size(), WAIT);
      assertThat(events).hasSize(MIX.size());
      assertThat(onBus).hasSize(MIX.size());
      for (int i = 0; i < MIX.size(); i++) {
        assertThat(onBus.get(i).path()).isEqualTo(MIX.get(i).path());
        assertThat(onBus.get(i).toJson()).as("the same event the stream carries").isEqualTo(events.get(i));
      }
      assertThat(tap.receivedOnEventLoopCount()).as("hub's consumer ran on an event loop").isZero();
      assertThat(tap.encodedOnEventLoopCount()).isZero();
    }
  }

  @Test
  void eachEventIsEncodedOnceOffTheEventLoopsWhateverTheNumberOfSubscribers() {
    List<SseClient> subscribers = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) subscribers.add(SseClient.open(vertx, port, ""));
      // Watching other jobs: indexed by job, they cost nothing per event.
      for (int i = 0; i < 20; i++) subscribers.add(SseClient.open(vertx, port, "job=nobody-" + i));
      long before = tap.encodedCount();
      int pushes = 30;
      for (int i = 0; i < pushes; i++) send(MIX.get(i % MIX.size()));
      for (int i = 0; i < 20; i++) {
        assertThat(subscribers.get(i).take(pushes, WAIT)).as("subscriber %d", i).hasSize(pushes);
      }
      assertThat(tap.encodedCount() - before).as("encodes for %d events and 20 subscribers", pushes).isEqualTo(pushes);
      assertThat(tap.encodedOnEventLoopCount()).as("encoded on an event loop").isZero();
      for (int i = 20; i < 40; i++) assertThat(subscribers.get(i).events).isEmpty();
    } finally {
      subscribers.forEach(SseClient::close);
    }
  }

  @Test
  void aRingChangeReachesEverySubscriberWithWhatMoved() {
    try (SseClient all = SseClient.open(vertx, port, "");
         SseClient filtered = SseClient.open(vertx, port, "job=nobody&decision=reject")) {
      Ring before = RingPublisher.current(vertx);
      List<Member> members = new ArrayList<>(before.members());
      Member added = Member.ofAddress("10.0.0.4", 9091);
      members.add(added);
      RingPublisher.publish(vertx, before.withMembers(members, before.version() + 1));

      for (SseClient sse : List.of(all, filtered)) {
        List<JsonObject> got = sse.take(1, WAIT);
        assertThat(got).hasSize(1);
        JsonObject ring = got.get(0);
        assertThat(ring.getString("type")).isEqualTo("ring");
        assertThat(ring.getLong("version")).isEqualTo(before.version() + 1);
        assertThat(ring.getLong("previousVersion")).isEqualTo(before.version());
        assertThat(ring.getJsonArray("added").getList()).containsExactly(added.id());
        assertThat(ring.getJsonArray("removed").getList()).isEmpty();
        assertThat(ring.getDouble("moved")).isBetween(0.2, 0.3);   // ~1/4 of the keys go to the fourth member
        JsonArray shares = ring.getJsonArray("members");
        assertThat(shares).hasSize(4);
        for (int i = 0; i < shares.size(); i++) {
          JsonObject m = shares.getJsonObject(i);
          if (m.getString("id").equals(added.id())) {
            assertThat(m.getDouble("before")).isZero();
            assertThat(m.getDouble("after")).isBetween(0.2, 0.3);
          } else {
            assertThat(m.getDouble("before")).isBetween(0.3, 0.37);
            assertThat(m.getDouble("after")).isBetween(0.2, 0.3);
          }
        }
      }
    }
  }

  /**
   * Publishes filler events until the paused reader's write queue is full and its events are
   * dropped; returns when. One fan-out's worth per fan-out: more would be cut by the batch cap.
   */
  private long fillUntilDropping() {
    Await.until("events dropped for the paused reader", Duration.ofSeconds(60), Duration.ofMillis(TapHub.FLUSH_MILLIS), () -> {
      if (tap.stalledDropCount() != 0) return true;
      publishFiller(300);
      return false;
    });
    return System.currentTimeMillis();
  }

  /** Events as routers publish them, each ~300 bytes of JSON. */
  private void publishFiller(int n) {
    TapEvent filler = new TapEvent(System.currentTimeMillis(), "PUT", "/metrics/job/filler/" + "x".repeat(200),
        GroupingKeyParser.parse("/metrics/job/filler"), "10.0.0.1_9091", "10.0.0.1:9091", "redirect", 307, 1, 1, null);
    for (int i = 0; i < n; i++) tap.publish(filler);
  }

  private static void awaitCount(AtomicInteger count, int n) {
    Await.until("count -> " + n, WAIT, () -> count.get() >= n);
    assertThat(count.get()).isEqualTo(n);
  }

  private void awaitSubscribers(int n) {
    Await.until("subscribers -> " + n, WAIT, () -> tap.subscribers() == n);
  }
}
