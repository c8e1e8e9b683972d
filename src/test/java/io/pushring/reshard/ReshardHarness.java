package io.pushring.reshard;

import io.pushring.consul.ConsulFleet;
import io.pushring.consul.Fleet;
import io.pushring.key.GroupingKey;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.JdkHttp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One re-shard scenario: pushring in Consul mode and proxy mode with the reconciler on (short
 * interval, settle and quiet), in front of real Pushgateways with persistence files that the test
 * registers in Consul with HTTP checks, as an operator does (so it can add and deregister them at
 * will: pushring's registrar would re-register its configured list), and a {@link Workload} pushing
 * through it. Checks the fleet against the ring pushring serves ({@code GET /api/v1/ring}) and prints
 * what it measured, prefixed {@code [reshard]}.
 */
final class ReshardHarness implements AutoCloseable {
  /**
   * The 1,000 groups: 800 counters pushed every {@link #ROUND} (400 pushes a second through
   * pushring, which the 2-core CI machine sustains next to the other tests) and 200 pushed once.
   */
  static final int COUNTERS = 800;
  static final int ONCE = 200;
  /** Consul's HTTP check on every Pushgateway, as in the other Consul tests. */
  static final String CHECK_INTERVAL = "1s";
  /** Longer than any outage of these tests: a killed Pushgateway keeps its registration and returns. */
  static final String DEREGISTER_AFTER = "1m";
  static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(1);
  static final Duration SETTLE = Duration.ofMillis(300);
  /**
   * Longer than a round of the workload (every counter group is pushed again within it, so they are
   * never migrated, only their stale copies deleted), short enough for the once-pushed groups to move
   * within a test.
   */
  static final Duration QUIET = Duration.ofSeconds(5);
  /** One push per counter group per round. */
  static final Duration ROUND = Duration.ofSeconds(2);
  /**
   * From a ring change to a clean fleet: the ring update (Consul check 1 s + blocking query), settle,
   * quiet for the once-pushed groups, a few passes at 1 s, and the next round's pushes: 10-15 s
   * measured on an idle machine, 23 s at a load average of 17 on 2 cores (other test runs beside it).
   */
  static final Duration CONVERGE = Duration.ofSeconds(60);

  private final ConsulFleet env;
  private final Fleet fleet;
  private final JdkHttp http = new JdkHttp();
  private final ConsulFleet.Pushring pushring;
  private final Workload workload;
  private final Set<Integer> registered = new TreeSet<>();

  /**
   * Registers the first {@code members} Pushgateways of {@code env}'s fleet, deploys pushring, waits
   * for its ring, and prepares a workload of {@code counters} + {@code once} groups.
   */
  ReshardHarness(ConsulFleet env, int members, int counters, int once, String... overrides) {
    this.env = env;
    this.fleet = env.fleet();
    for (int i = 0; i < members; i++) register(i);
    List<String> settings = new ArrayList<>(List.of(
        "PUSHRING_ROUTER_MODE", "proxy",
        "PUSHRING_RECONCILE_ENABLED", "true",
        "PUSHRING_RECONCILE_INTERVAL", RECONCILE_INTERVAL.toMillis() + "ms",
        "PUSHRING_RECONCILE_SETTLE", SETTLE.toMillis() + "ms",
        "PUSHRING_RECONCILE_QUIET", QUIET.toMillis() + "ms",
        "PUSHRING_RECONCILE_RATE", "500"));
    settings.addAll(List.of(overrides));
    this.pushring = env.deploy(List.of(), settings.toArray(String[]::new));
    awaitRing(Duration.ofSeconds(20));
    this.workload = new Workload(pushring.port(), counters, once, 8, ROUND);
  }

  Workload workload() {
    return workload;
  }

  Fleet fleet() {
    return fleet;
  }

  int port() {
    return pushring.port();
  }

  /** Registers Pushgateway {@code i} in Consul with its HTTP check. */
  void register(int i) {
    env.registerChecked(i, CHECK_INTERVAL, DEREGISTER_AFTER);
    registered.add(i);
  }

  /** Deregisters Pushgateway {@code i} from Consul (a clean scale-in); the process keeps running. */
  void deregister(int i) {
    if (!env.consul().deregisterService(fleet.id(i))) throw new IllegalStateException(fleet.id(i) + " was not registered");
    registered.remove(i);
  }

  /** The ring pushring routes on, from {@code GET /api/v1/ring}. */
  Ring ring() {
    JsonObject data = new JsonObject(http.get(pushring.port(), "/api/v1/ring").body()).getJsonObject("data");
    List<Member> members = new ArrayList<>();
    JsonArray array = data.getJsonArray("members");
    for (int i = 0; i < array.size(); i++) {
      JsonObject m = array.getJsonObject(i);
      String address = m.getString("address");
      int colon = address.lastIndexOf(':');
      members.add(new Member(m.getString("id"), address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))));
    }
    return Ring.build(Placement.GROUPING_KEY, members, data.getLong("version"));
  }

  Set<String> ringIds() {
    Set<String> ids = new TreeSet<>();
    for (Member m : ring().members()) ids.add(m.id());
    return ids;
  }

  /** The ids of the Pushgateways registered and alive: what the ring must become. */
  Set<String> expectedIds() {
    Set<String> ids = new TreeSet<>();
    for (int i : registered) if (fleet.get(i).isAlive()) ids.add(fleet.id(i));
    return ids;
  }

  /** Waits until the ring is {@link #expectedIds()}; returns the milliseconds waited. */
  long awaitRing(Duration timeout) {
    Set<String> want = expectedIds();
    return Await.until(() -> "pushring's ring " + ringIds() + " to be " + want, timeout, Duration.ofMillis(20),
        () -> ringIds().equals(want));
  }

  /** Every Pushgateway process alive, registered or not (a scaled-in one still holds what it held). */
  List<Member> running() {
    List<Member> out = new ArrayList<>();
    for (int i = 0; i < fleet.size(); i++) {
      if (fleet.get(i).isAlive()) out.add(Member.ofAddress(fleet.get(i).host(), fleet.get(i).port()));
    }
    return out;
  }

  /**
   * The fleet against the ring and the values pushed, read while the clients push: a group's value
   * may be anything between what was acknowledged before the read and what was counted after it. A
   * ring that changed during the read gives a verdict that is not clean.
   */
  FleetState.Verdict check() {
    Map<GroupingKey, Long> low = workload.expected();
    Ring before = ring();
    FleetState state = FleetState.read(running(), low.keySet());
    Map<GroupingKey, Long> high = workload.counted();
    if (ring().version() != before.version()) {
      return new FleetState.Verdict(low.size(), List.of(), List.of(), List.of("(the ring changed during the read)"), List.of());
    }
    return state.against(before, low, high);
  }

  /**
   * Waits until {@link #check()} is clean; returns the milliseconds since {@code sinceNanos} (a ring
   * change), or -1 after {@link #CONVERGE}, printing what was left.
   */
  long awaitClean(String change, long sinceNanos) {
    FleetState.Verdict[] last = new FleetState.Verdict[1];
    boolean clean = Await.holdsWithin(CONVERGE, Duration.ofMillis(250), () -> {
      last[0] = check();
      return last[0].clean();
    });
    long ms = clean ? Await.millisSince(sinceNanos) : -1;
    System.out.printf("[reshard] %s: %s after %d ms from the ring change; %s; reconciler totals %s%n", change,
        clean ? "clean fleet" : "NOT clean within " + CONVERGE.toMillis() + " ms", Await.millisSince(sinceNanos),
        last[0], reconcileTotals());
    return ms;
  }

  /** {@code GET /api/v1/reconcile}'s {@code data}. */
  JsonObject reconcile() {
    return new JsonObject(http.get(pushring.port(), "/api/v1/reconcile").body()).getJsonObject("data");
  }

  /** The reconciler's and the routers' clean-up counters from {@code GET /metrics}, as printed lines. */
  String reconcileTotals() {
    String metrics = http.get(pushring.port(), "/metrics").body();
    Matcher m = Pattern.compile("(?m)^(pushring_(?:reconcile_(?:deleted|migrated|errors)_total"
        + "|[a-z_]*(?:previous|handover|fallback|cleanup|admi)[a-z_]*)(?:\\{[^}]*\\})?) (\\S+)$").matcher(metrics);
    StringBuilder out = new StringBuilder("{");
    while (m.find()) out.append(out.length() > 1 ? ", " : "").append(m.group(1)).append('=').append(m.group(2));
    return out.append('}').toString();
  }

  /** The counter {@code name} (no labels) from {@code GET /metrics}, 0 if absent. */
  double metric(String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(http.get(pushring.port(), "/metrics").body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /** Stops the clients and checks the fleet against exactly the last value each group was pushed with. */
  FleetState.Verdict stopAndCheckExactly() {
    workload.stop();
    Map<GroupingKey, Long> exact = workload.expected();
    return FleetState.read(running(), exact.keySet()).against(ring(), exact, exact);
  }

  @Override
  public void close() {
    workload.close();
  }
}
