package io.pushring.tap;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's actions in {@code /api/v1/tap}: pushring (static mode, reconciler on) in front of
 * two real Pushgateways, a subscriber open, then a stale copy and a lost copy placed off their owner:
 * the subscriber sees the delete, the migration and the pass summary, each with its fields; a
 * subscriber filtering on routing decisions sees none of them.
 */
class ReconcileTapTest {
  private final List<PushgatewayProcess> pgs = new ArrayList<>();
  private Vertx vertx;

  @AfterEach
  void stop() {
    if (vertx != null) vertx.close().await();
    pgs.forEach(PushgatewayProcess::close);
  }

  private PushringApp start(String... overrides) {
    for (int i = 0; i < 2; i++) pgs.add(PushgatewayProcess.start());
    List<String> env = new ArrayList<>(List.of("PUSHRING_RECONCILE_ENABLED", "true", "PUSHRING_RECONCILE_INTERVAL", "1s",
        "PUSHRING_RECONCILE_SETTLE", "0s", "PUSHRING_RECONCILE_QUIET", "0s", "PUSHRING_RECONCILE_RATE", "1000"));
    env.addAll(List.of(overrides));
    vertx = PushringApp.newVertx();
    return PushringApp.deploy(vertx, TestConfig.staticMembers(pgs.get(0).host() + ":" + pgs.get(0).port() + ","
        + pgs.get(1).host() + ":" + pgs.get(1).port(), env.toArray(String[]::new))).await();
  }

  private Member member(int i) {
    return Member.ofAddress(pgs.get(i).host(), pgs.get(i).port());
  }

  /** A key of {@code job} that {@code owner} owns on {@code ring}. */
  private static GroupingKey ownedBy(Ring ring, Member owner, String job) {
    for (int i = 0; ; i++) {
      GroupingKey k = GroupingKeyParser.parse("/metrics/job/" + job + "/instance/host-" + i);
      if (ring.route(k).equals(owner)) return k;
    }
  }

  private static JsonObject next(SseClient sse, String action, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (long left; (left = deadline - System.nanoTime()) > 0; ) {
      JsonObject e = sse.events.poll(left, TimeUnit.NANOSECONDS);
      if (e != null && "reconcile".equals(e.getString("type")) && action.equals(e.getString("action"))) return e;
    }
    throw new AssertionError("no reconcile " + action + " event within " + timeout);
  }

  @Test
  void aSubscriberSeesTheDeleteTheMigrationAndThePassWithTheirFields() throws Exception {
    PushringApp app = start();
    Ring ring = Ring.build(Placement.GROUPING_KEY, List.of(member(0), member(1)), 1);
    Member owner = member(0);
    Member other = member(1);
    GroupingKey stale = ownedBy(ring, owner, "stale");
    GroupingKey lost = ownedBy(ring, owner, "lost");
    try (SseClient all = SseClient.open(vertx, app.port(), "");
         SseClient migrations = SseClient.open(vertx, app.port(), "action=migrate&member=" + other.address());
         SseClient routes = SseClient.open(vertx, app.port(), "type=route")) {
      JsonObject idle = next(all, "pass", Duration.ofSeconds(10)); // the stream carries the passes
      assertThat(idle.getString("result")).isEqualTo("done");

      assertThat(pgs.get(1).put(stale.base64Path(), "v 1\n").status()).isEqualTo(200);
      Await.sleep(20); // the owner's copy is the newer one: the copy on the other member is stale
      assertThat(pgs.get(0).put(stale.base64Path(), "v 2\n").status()).isEqualTo(200);
      assertThat(pgs.get(1).put(lost.base64Path(), "v 3\n").status()).isEqualTo(200); // only off its owner

      JsonObject delete = next(all, "delete", Duration.ofSeconds(10));
      assertThat(delete.getString("result")).isEqualTo("done");
      assertThat(delete.getString("key")).isEqualTo(stale.printable());
      assertThat(delete.getString("job")).isEqualTo("stale");
      assertThat(delete.getJsonObject("labels").getMap())
          .isEqualTo(Map.of("job", "stale", "instance", new String(stale.labels().get("instance"), StandardCharsets.UTF_8)));
      assertThat(delete.getString("from")).isEqualTo(other.id());
      assertThat(delete.getString("fromAddress")).isEqualTo(other.address());
      assertThat(delete.getString("to")).isEqualTo(owner.id());
      assertThat(delete.getDouble("pushTime")).isLessThan(delete.getDouble("toPushTime"));
      assertThat(delete.getLong("ringVersion")).isEqualTo(1);
      assertThat(delete.getString("ts")).endsWith("Z");

      JsonObject migrate = next(all, "migrate", Duration.ofSeconds(10));
      assertThat(migrate.getString("result")).isEqualTo("done");
      assertThat(migrate.getString("key")).isEqualTo(lost.printable());
      assertThat(migrate.getString("from")).isEqualTo(other.id());
      assertThat(migrate.getString("to")).isEqualTo(owner.id());
      assertThat(migrate.getString("toAddress")).isEqualTo(owner.address());
      assertThat(migrate.getDouble("pushTime")).isGreaterThan(1.7e9);
      assertThat(migrate.containsKey("toPushTime")).as("the owner had no copy").isFalse();

      JsonObject pass = next(all, "pass", Duration.ofSeconds(10));
      assertThat(pass.getInteger("deleted")).isEqualTo(1);
      assertThat(pass.getInteger("migrated")).isEqualTo(1);
      assertThat(pass.getInteger("groupsScanned")).isEqualTo(3);
      assertThat(pass.getString("result")).isEqualTo("done");
      assertThat(pass.getLong("durationMillis")).isNotNegative();

      JsonObject filtered = next(migrations, "migrate", Duration.ofSeconds(5));
      assertThat(filtered.getString("key")).isEqualTo(lost.printable());
      assertThat(migrations.events).as("only migrations touching that member").allMatch(e -> "migrate".equals(e.getString("action")));
      assertThat(routes.events).as("type=route: no reconcile event").isEmpty();
    }
  }

  @Test
  void aDryRunShowsThePlannedActions() throws Exception {
    PushringApp app = start("PUSHRING_RECONCILE_DRY_RUN", "true");
    Ring ring = Ring.build(Placement.GROUPING_KEY, List.of(member(0), member(1)), 1);
    GroupingKey lost = ownedBy(ring, member(0), "planned");
    try (SseClient sse = SseClient.open(vertx, app.port(), "type=reconcile&job=planned")) {
      assertThat(pgs.get(1).put(lost.base64Path(), "v 3\n").status()).isEqualTo(200);
      JsonObject planned = next(sse, "migrate", Duration.ofSeconds(10));
      assertThat(planned.getString("result")).isEqualTo("planned");
      assertThat(planned.getString("from")).isEqualTo(member(1).id());
      assertThat(planned.getString("to")).isEqualTo(member(0).id());
    }
    Await.sleep(300);
    assertThat(pgs.get(0).groups()).as("a dry run writes nothing").isEmpty();
  }
}
