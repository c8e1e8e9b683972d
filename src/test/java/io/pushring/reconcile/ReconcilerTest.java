package io.pushring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.PushgatewayProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The executor against three real Pushgateways (no Vert.x): what a pass really does to a fleet. */
class ReconcilerTest {
  private static final PushgatewayClient CLIENT = new PushgatewayClient("http", Duration.ofSeconds(10));
  private static final List<PushgatewayProcess> PGS = new ArrayList<>();
  private static final List<Member> MEMBERS = new ArrayList<>();
  private static Member a;
  private static Member b;
  private static Member c;

  @BeforeAll
  static void start() {
    for (int i = 0; i < 3; i++) {
      PushgatewayProcess pg = PushgatewayProcess.start();
      PGS.add(pg);
      MEMBERS.add(Member.ofAddress(pg.host(), pg.port()));
    }
    a = MEMBERS.get(0);
    b = MEMBERS.get(1);
    c = MEMBERS.get(2);
  }

  @AfterAll
  static void stop() {
    PGS.forEach(PushgatewayProcess::close);
  }

  @BeforeEach
  void empty() {
    PGS.forEach(PushgatewayProcess::deleteAllGroups);
  }

  private static PushgatewayProcess pg(Member m) {
    return PGS.get(MEMBERS.indexOf(m));
  }

  private static void push(Member m, GroupingKey key, String body) {
    PushgatewayProcess.Response r = pg(m).put(key.base64Path(), body);
    assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
  }

  /** n distinct keys owned by {@code owner} on {@code ring}. */
  private static List<GroupingKey> ownedBy(Ring ring, Member owner, String job, int n) {
    List<GroupingKey> out = new ArrayList<>();
    for (int i = 0; out.size() < n; i++) {
      GroupingKey k = GroupingKeyParser.parse("/metrics/job/" + job + "/i/" + i);
      if (ring.route(k).equals(owner)) out.add(k);
    }
    return out;
  }

  private static Reconciler reconciler(double quiet, boolean dryRun, Supplier<Ring> current) {
    return new Reconciler(CLIENT, new Reconciler.Settings(quiet, dryRun), Clock.systemUTC(), 1000, current);
  }

  /** member -> keys it holds, once queued deletes are applied (they are asynchronous: 202). */
  private static Map<Member, Set<GroupingKey>> holdings() throws IOException {
    Map<Member, Set<GroupingKey>> out = new HashMap<>();
    for (Member m : MEMBERS) {
      Set<GroupingKey> keys = new java.util.HashSet<>();
      CLIENT.groups(m).groups().forEach(g -> keys.add(g.key()));
      out.put(m, keys);
    }
    return out;
  }

  private static Map<Member, Set<GroupingKey>> holdingsNow() {
    try {
      return holdings();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<Member, Set<GroupingKey>> settledHoldings(Map<Member, Set<GroupingKey>> expected) throws Exception {
    // the caller's assertion shows what differs
    Await.holdsWithin(Duration.ofSeconds(5), Duration.ofMillis(20), () -> holdingsNow().equals(expected));
    return holdings();
  }

  private static String value(Member m, GroupingKey key) throws IOException {
    GroupFamilies f = CLIENT.families(m, Set.of(key)).get(key);
    return f == null ? null : f.families().get(0).samples().get(0).value();
  }

  @Test
  void aScaleOutMovesEachGroupToItsNewOwnerKeepingTheNewestValue() throws Exception {
    Ring two = Ring.build(Placement.GROUPING_KEY, List.of(a, b), 1);
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 2);
    // Groups that c now owns, pushed while the ring had two members: the once-pushed ones exist only
    // on their old owner; the busy ones were pushed again, to c, after the change.
    List<GroupingKey> onceA = ownedBy(three, c, "once", 40).stream().filter(k -> two.route(k).equals(a)).limit(5).toList();
    List<GroupingKey> busy = ownedBy(three, c, "busy", 40).stream().filter(k -> two.route(k).equals(b)).limit(5).toList();
    List<GroupingKey> stay = ownedBy(three, a, "stay", 3);
    for (GroupingKey k : onceA) push(a, k, "# TYPE v gauge\nv 1\n");
    for (GroupingKey k : busy) push(b, k, "# TYPE v gauge\nv 1\n");
    for (GroupingKey k : stay) push(a, k, "# TYPE v gauge\nv 7\n");
    Await.sleep(20);
    for (GroupingKey k : busy) push(c, k, "# TYPE v gauge\nv 2\n");

    PassReport report = reconciler(0, false, () -> three).pass(three, List.of());
    assertThat(report.errors()).isEmpty();
    assertThat(report.aborted()).isEmpty();
    assertThat(report.deleted()).isEqualTo(5);
    assertThat(report.migrated()).isEqualTo(5);
    assertThat(report.plan().onOwner()).isEqualTo(3);

    Map<Member, Set<GroupingKey>> expected = Map.of(a, Set.copyOf(stay), b, Set.of(),
        c, Set.copyOf(concat(onceA, busy)));
    assertThat(settledHoldings(expected)).isEqualTo(expected);
    for (GroupingKey k : busy) assertThat(value(c, k)).as("busy group keeps its newer value").isEqualTo("2");
    for (GroupingKey k : onceA) assertThat(value(c, k)).as("once-pushed group survives").isEqualTo("1");

    PassReport second = reconciler(0, false, () -> three).pass(three, List.of());
    assertThat(second.plan().isClean()).isTrue();
    assertThat(second.plan().onOwner()).isEqualTo(13);
  }

  @Test
  void aDepartedMembersGroupsMoveToTheirOwners() throws Exception {
    Ring two = Ring.build(Placement.GROUPING_KEY, List.of(a, b), 3);
    List<GroupingKey> onC = List.of(GroupingKeyParser.parse("/metrics/job/left/i/1"), GroupingKeyParser.parse("/metrics/job/left/i/2"),
        GroupingKeyParser.parse("/metrics/job/left/i/3"));
    for (GroupingKey k : onC) push(c, k, "# HELP h_total Help.\n# TYPE h_total counter\nh_total{x=\"y\"} 5\n");
    PassReport report = reconciler(0, false, () -> two).pass(two, List.of(c));
    assertThat(report.migrated()).isEqualTo(3);
    assertThat(report.membersRead()).isEqualTo(3);
    Map<Member, Set<GroupingKey>> expected = new HashMap<>();
    expected.put(a, new java.util.HashSet<>());
    expected.put(b, new java.util.HashSet<>());
    expected.put(c, Set.of());
    for (GroupingKey k : onC) expected.get(two.route(k)).add(k);
    assertThat(settledHoldings(expected)).isEqualTo(expected);
  }

  @Test
  void aCopyPushedWithinTheQuietPeriodIsNotMigrated() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 4);
    GroupingKey k = ownedBy(three, a, "fresh", 1).get(0);
    push(b, k, "v 1\n");
    PassReport report = reconciler(60, false, () -> three).pass(three, List.of());
    assertThat(report.plan().waiting()).isEqualTo(1);
    assertThat(report.migrated()).isZero();
    assertThat(holdings().get(b)).containsExactly(k);
    assertThat(holdings().get(a)).isEmpty();
  }

  @Test
  void dryRunPlansAndWritesNothing() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 5);
    GroupingKey k = ownedBy(three, a, "dry", 1).get(0);
    push(b, k, "v 1\n");
    push(c, k, "v 1\n");
    PassReport report = reconciler(0, true, () -> three).pass(three, List.of());
    assertThat(report.dryRun()).isTrue();
    assertThat(report.plan().migrations()).hasSize(1);
    assertThat(report.migrated()).isZero();
    Await.sleep(200);
    assertThat(holdings().get(b)).containsExactly(k);
    assertThat(holdings().get(c)).containsExactly(k);
    assertThat(holdings().get(a)).isEmpty();
  }

  @Test
  void aRingChangeStopsThePassBeforeItsWrites() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 6);
    Ring other = Ring.build(Placement.GROUPING_KEY, List.of(a, b), 7);
    GroupingKey k = ownedBy(three, a, "moved", 1).get(0);
    push(b, k, "v 1\n");
    push(a, k, "v 2\n"); // later: the owner's copy is the newer one, so the plan is a delete on b
    AtomicReference<Ring> current = new AtomicReference<>(other);
    PassReport report = reconciler(0, false, current::get).pass(three, List.of());
    assertThat(report.plan().deletes()).hasSize(1);
    assertThat(report.deleted()).isZero();
    assertThat(report.aborted()).contains("ring changed");
    Await.sleep(200);
    assertThat(holdings().get(b)).containsExactly(k);
  }

  @Test
  void leadershipLostMidPassStopsItBeforeTheNextWrite() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 8);
    List<GroupingKey> keys = ownedBy(three, a, "lost", 3);
    for (GroupingKey k : keys) push(b, k, "v 1\n");
    Await.sleep(20);
    for (GroupingKey k : keys) push(a, k, "v 2\n"); // the owner's copies are newer: three deletes on b
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    Reconciler.WriteGate gate = () -> asked.incrementAndGet() == 1 ? null : "leadership lost: the lock is held by another session";
    PassReport report = new Reconciler(CLIENT, new Reconciler.Settings(0, false), Clock.systemUTC(), 1000, () -> three, gate)
        .pass(three, List.of());
    assertThat(report.plan().deletes()).hasSize(3);
    assertThat(report.deleted()).as("the write before the loss only").isEqualTo(1);
    assertThat(report.aborted()).isEqualTo("leadership lost: the lock is held by another session");
    assertThat(asked).hasValue(2);
    Await.sleep(200);
    assertThat(holdings().get(b)).hasSize(2);
  }

  @Test
  void aMigrationTheOwnerRefusesKeepsTheSource() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 8);
    List<GroupingKey> keys = ownedBy(three, a, "conflict", 2);
    push(a, keys.get(0), "# TYPE clash gauge\nclash 1\n"); // the owner has 'clash' as a gauge in another group
    push(b, keys.get(1), "# TYPE clash counter\nclash 1\n");
    PassReport report = reconciler(0, false, () -> three).pass(three, List.of());
    assertThat(report.migrated()).isZero();
    assertThat(report.errors()).singleElement().asString().contains("answered 400");
    Await.sleep(200);
    assertThat(holdings().get(b)).containsExactly(keys.get(1));
  }

  private static List<GroupingKey> concat(List<GroupingKey> x, List<GroupingKey> y) {
    List<GroupingKey> out = new ArrayList<>(x);
    out.addAll(y);
    return out;
  }
}
