package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.bus.AdmittedSet;
import io.pushring.testing.Await;
import io.pushring.testing.JdkHttp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admitted set is the fleet's, not an instance's: two pushring instances in Consul mode with the
 * reconciler on (one leads), three real Pushgateways, the fixture chain's Consul. The leader publishes
 * the admitted set to Consul KV; the follower, which runs no pass, serves the very same
 * {@code GET /sd/pushgateways} answer through its KV watch, when the fleet starts, when a new
 * Pushgateway joins (listed after a pass) and when one leaves (dropped).
 */
class AdmissionSharedTest {
  @RegisterExtension
  final ConsulFleet env = ConsulFleet.withPushgateways(3);

  private final JdkHttp http = new JdkHttp();

  private ConsulFleet.Pushring deploy() {
    return env.deployRegisteringFleet(
        "PUSHRING_RECONCILE_ENABLED", "true",
        "PUSHRING_RECONCILE_INTERVAL", "1s",
        "PUSHRING_RECONCILE_SETTLE", "300ms",
        "PUSHRING_RECONCILE_RATE", "500",
        "PUSHRING_RECONCILE_LOCK_TTL", "2s",
        "PUSHRING_RECONCILE_LOCK_LOCK_DELAY", "1s");
  }

  @Test
  void everyInstanceServesTheAdmittedSetTheLeaderPublished() {
    ConsulFleet.Pushring a = deploy();
    ConsulFleet.Pushring b = deploy();
    Await.until("one instance to lead", Duration.ofSeconds(15),
        () -> a.app().reconciler().leader() || b.app().reconciler().leader());
    ConsulFleet.Pushring follower = a.app().reconciler().leader() ? b : a;
    ConsulFleet.Pushring leader = follower == a ? b : a;
    Fleet fleet = env.fleet();

    awaitSame(leader, follower, new TreeSet<>(fleet.ids()), "the three Pushgateways");
    assertThat(follower.app().reconciler().passes()).as("the follower ran no pass").isZero();
    AdmittedSet published = AdmittedSet.current(follower.vertx());
    assertThat(published).as("the follower's set came from Consul KV").isNotNull();
    assertThat(published.members()).hasSize(3);

    int added = fleet.add();
    env.register(added);
    long joined = awaitSame(leader, follower, new TreeSet<>(fleet.ids()), "the new Pushgateway after a pass");

    env.consul().deregisterService(fleet.id(0));
    Set<String> left = new TreeSet<>(fleet.ids());
    left.remove(fleet.id(0));
    long dropped = awaitSame(leader, follower, left, "without the Pushgateway that left");
    System.out.printf("[admission] %s: a new Pushgateway in both instances' SD answers %d ms after its registration,"
        + " one that left out of both %d ms after its deregistration%n", env.consul().kind(), joined, dropped);
  }

  /** Waits until both instances list exactly {@code ids}, with identical answers; returns the time taken. */
  private long awaitSame(ConsulFleet.Pushring x, ConsulFleet.Pushring y, Set<String> ids, String what) {
    return Await.until(() -> what + ": " + sd(x) + " vs " + sd(y), Duration.ofSeconds(20),
        () -> ids(sd(x)).equals(ids) && sd(x).equals(sd(y)));
  }

  private String sd(ConsulFleet.Pushring p) {
    JdkHttp.Response r = http.get(p.port(), "/sd/pushgateways");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("application/json");
    return r.body();
  }

  private static Set<String> ids(String sd) {
    Set<String> ids = new TreeSet<>();
    for (Object g : new JsonArray(sd)) {
      JsonObject group = (JsonObject) g;
      assertThat(group.getJsonArray("targets")).hasSize(1);
      assertThat(group.getJsonObject("labels").fieldNames()).allMatch(n -> n.startsWith("__meta_pushring_"));
      ids.add(group.getJsonObject("labels").getString("__meta_pushring_member_id"));
    }
    return ids;
  }
}
