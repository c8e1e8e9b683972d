package io.pushring.reconcile;

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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code reconcile.max-actions}: a pass that hit the cap is followed at once by the next one, not a
 * {@code reconcile.interval} later. With an interval of an hour and a cap of 3, twelve groups off
 * their owner reach it within seconds only if passes chain.
 */
class ReconcileCapIntegrationTest {
  private static final PushgatewayClient API = new PushgatewayClient("http", Duration.ofSeconds(10));
  private final List<PushgatewayProcess> pgs = new ArrayList<>();
  private Vertx vertx;

  @AfterEach
  void stop() {
    if (vertx != null) vertx.close().await();
    pgs.forEach(PushgatewayProcess::close);
  }

  @Test
  void aCappedPassIsFollowedAtOnceByTheNext() throws Exception {
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      PushgatewayProcess pg = PushgatewayProcess.start();
      pgs.add(pg);
      members.add(Member.ofAddress(pg.host(), pg.port()));
    }
    Ring ring = Ring.build(Placement.GROUPING_KEY, members, 1);
    Member owner = members.get(0);
    Member other = members.get(1);
    int pushed = 0;
    for (int i = 0; pushed < 12; i++) {
      GroupingKey k = GroupingKeyParser.parse("/metrics/job/capped/i/" + i);
      if (!ring.route(k).equals(owner)) continue;
      assertThat(pgs.get(1).put(k.base64Path(), "v 1\n").status()).isEqualTo(200); // on the wrong member
      pushed++;
    }
    vertx = PushringApp.newVertx();
    PushringApp app = PushringApp.deploy(vertx, TestConfig.staticMembers(owner.address() + "," + other.address(),
        "PUSHRING_RECONCILE_ENABLED", "true",
        "PUSHRING_RECONCILE_INTERVAL", "1h",
        "PUSHRING_RECONCILE_SETTLE", "0s",
        "PUSHRING_RECONCILE_QUIET", "0s",
        "PUSHRING_RECONCILE_RATE", "1000",
        "PUSHRING_RECONCILE_MAX_ACTIONS", "3")).await();

    Await.until("all 12 groups on their owner", Duration.ofSeconds(30), Duration.ofMillis(100),
        () -> count(owner) == 12 && count(other) == 0);
    assertThat(app.reconciler().passes()).as("12 migrations, 3 per pass").isGreaterThanOrEqualTo(4);
  }

  private static int count(Member m) {
    try {
      return API.groups(m).groups().size();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
