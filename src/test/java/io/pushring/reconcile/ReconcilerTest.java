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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  @Test
  void aPassStopsAfterMaxActionsAndTheNextDoesTheRest() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 9);
    List<GroupingKey> stale = ownedBy(three, a, "stale", 4); // on a and b, the owner's copy newer: 4 deletes
    List<GroupingKey> lost = ownedBy(three, a, "lost", 3); // only on c: 3 migrations
    for (GroupingKey k : stale) push(b, k, "v 1\n");
    for (GroupingKey k : lost) push(c, k, "v 1\n");
    Await.sleep(20);
    for (GroupingKey k : stale) push(a, k, "v 2\n");
    Reconciler capped = new Reconciler(CLIENT, new Reconciler.Settings(0, false, 5), Clock.systemUTC(), 1000, () -> three);

    PassReport first = capped.pass(three, List.of());
    assertThat(first.capped()).isTrue();
    assertThat(first.deleted()).isEqualTo(4);
    assertThat(first.migrated()).as("one migration fits in the 5 actions").isEqualTo(1);
    assertThat(first.toJson().getBoolean("capped")).isTrue();
    Await.until("the first pass's deletes applied", Duration.ofSeconds(5), () -> holdingsNow().get(b).isEmpty());
    assertThat(holdings().get(c)).hasSize(2);

    PassReport second = capped.pass(three, List.of());
    assertThat(second.capped()).isFalse();
    assertThat(second.migrated()).isEqualTo(2);
    Map<Member, Set<GroupingKey>> expected = Map.of(a, Set.copyOf(concat(stale, lost)), b, Set.of(), c, Set.of());
    assertThat(settledHoldings(expected)).isEqualTo(expected);
  }

  @Test
  void aMigrationCutByTheCapMidBatchStillCompletesThoseAlreadyPushed() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 10);
    List<GroupingKey> lost = ownedBy(three, a, "cut", 5);
    for (GroupingKey k : lost) push(c, k, "v 1\n");
    PassReport report = new Reconciler(CLIENT, new Reconciler.Settings(0, false, 2), Clock.systemUTC(), 1000, () -> three)
        .pass(three, List.of());
    assertThat(report.capped()).isTrue();
    assertThat(report.migrated()).isEqualTo(2);
    assertThat(report.errors()).isEmpty();
    Await.until("two groups moved, none copied twice", Duration.ofSeconds(5),
        () -> holdingsNow().get(a).size() == 2 && holdingsNow().get(c).size() == 3);
  }

  /**
   * An owner back with its persistence file: its copies are older than the ones another member took
   * meanwhile. The pass deletes the owner's stale copies at once (the newer copies, pushed within the
   * quiet period, wait on the other member), and never the only copy.
   */
  @Test
  void anOwnersStaleCopiesAreDeletedAtOnceAndTheNewerCopiesKept() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 9);
    List<GroupingKey> stale = ownedBy(three, a, "returned", 3);
    GroupingKey onlyOnOwner = ownedBy(three, a, "only", 1).get(0);
    for (GroupingKey k : stale) push(a, k, "# TYPE v gauge\nv 1\n");
    push(a, onlyOnOwner, "# TYPE v gauge\nv 9\n");
    Await.sleep(20);
    for (GroupingKey k : stale) push(b, k, "# TYPE v gauge\nv 2\n");

    PassReport report = reconciler(60, false, () -> three).pass(three, List.of());
    assertThat(report.errors()).isEmpty();
    assertThat(report.plan().ownerDeletes()).hasSize(3);
    assertThat(report.plan().waiting()).isEqualTo(3);
    assertThat(report.deleted()).isEqualTo(3);
    Map<Member, Set<GroupingKey>> expected = Map.of(a, Set.of(onlyOnOwner), b, Set.copyOf(stale), c, Set.of());
    assertThat(settledHoldings(expected)).isEqualTo(expected);
    for (GroupingKey k : stale) assertThat(value(b, k)).isEqualTo("2");

    // once quiet, the newer copies move to the owner
    PassReport later = reconciler(0, false, () -> three).pass(three, List.of());
    assertThat(later.migrated()).isEqualTo(3);
    expected = Map.of(a, Set.copyOf(concat(stale, List.of(onlyOnOwner))), b, Set.of(), c, Set.of());
    assertThat(settledHoldings(expected)).isEqualTo(expected);
    for (GroupingKey k : stale) assertThat(value(a, k)).isEqualTo("2");
  }

  /**
   * A group whose client write is on its way through this instance (marked by a router in the
   * shared {@link GroupWriteGuard}) is neither migrated onto its owner nor deleted there: both are a
   * read of the owner followed by a write, and the client's write could land between the two. Once
   * the mark is over, the next pass does both.
   */
  @Test
  void groupsAClientIsWritingThroughThisInstanceAreLeftToTheNextPass() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 11);
    GroupingKey toMigrate = ownedBy(three, a, "guarded-migrate", 1).get(0);
    GroupingKey staleOnOwner = ownedBy(three, a, "guarded-owner", 1).get(0);
    GroupingKey free = ownedBy(three, a, "unguarded", 1).get(0);
    push(a, staleOnOwner, "# TYPE v gauge\nv 1\n");
    Await.sleep(20);
    push(b, toMigrate, "# TYPE v gauge\nv 1\n");
    push(b, staleOnOwner, "# TYPE v gauge\nv 2\n");
    push(b, free, "# TYPE v gauge\nv 1\n");
    java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    io.pushring.bus.GroupWriteGuard guard = io.pushring.bus.GroupWriteGuard.inMemory(nanos::get);
    guard.clientWrite(Placement.GROUPING_KEY.hash(toMigrate), 1_000);
    guard.clientWrite(Placement.GROUPING_KEY.hash(staleOnOwner), 1_000);
    List<String> skipped = new java.util.concurrent.CopyOnWriteArrayList<>();
    ReconcileEvents events = new ReconcileEvents() {
      @Override
      public boolean wanted() {
        return true;
      }

      @Override
      public void publish(io.pushring.tap.ReconcileEvent e) {
        if ("skipped".equals(e.result())) skipped.add(e.action() + " " + e.groupingKey().printable() + ": " + e.reason());
      }
    };
    Reconciler reconciler = new Reconciler(CLIENT, new Reconciler.Settings(0, false), Clock.systemUTC(), 1000,
        () -> three, Reconciler.WriteGate.OPEN, events, guard);

    PassReport first = reconciler.pass(three, List.of());
    assertThat(first.errors()).isEmpty();
    assertThat(first.migrated()).as("only the unguarded group").isEqualTo(1);
    assertThat(first.deleted()).as("the owner's stale copy is kept").isZero();
    // the owner's stale copy is also to be replaced by its newer copy (a migration): both wait
    assertThat(skipped).containsExactlyInAnyOrder("migrate " + toMigrate.printable() + ": " + Reconciler.CLIENT_WRITING,
        "delete-owner " + staleOnOwner.printable() + ": " + Reconciler.CLIENT_WRITING,
        "migrate " + staleOnOwner.printable() + ": " + Reconciler.CLIENT_WRITING);
    assertThat(value(a, toMigrate)).isNull();
    assertThat(value(a, staleOnOwner)).isEqualTo("1");
    assertThat(value(a, free)).isEqualTo("1");

    nanos.addAndGet(1_000);   // the client's write has landed by now (or never will)
    PassReport second = reconciler.pass(three, List.of());
    assertThat(second.errors()).isEmpty();
    assertThat(value(a, toMigrate)).isEqualTo("1");
    assertThat(value(a, staleOnOwner)).isEqualTo("2");
  }

  /**
   * Runs {@code then} once, right after the pass's first stale owner copy is deleted: ownerDeletes
   * come first in a pass, so this is after the plan and before the checks of every later delete.
   */
  private static Reconciler afterFirstOwnerDelete(Supplier<Ring> current, Runnable then) {
    boolean[] done = {false};
    ReconcileEvents events = new ReconcileEvents() {
      @Override
      public boolean wanted() {
        return true;
      }

      @Override
      public void publish(io.pushring.tap.ReconcileEvent e) {
        if (!done[0] && "delete-owner".equals(e.action()) && "done".equals(e.result())) {
          done[0] = true;
          then.run();
        }
      }
    };
    return new Reconciler(CLIENT, new Reconciler.Settings(60, false), Clock.systemUTC(), 1000, current,
        Reconciler.WriteGate.OPEN, events);
  }

  /** Deletes {@code key} on {@code m} and waits until it is applied (a Pushgateway queues DELETEs). */
  private static void removeNow(Member m, GroupingKey key) {
    try {
      CLIENT.delete(m, key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Await.until(() -> key.printable() + " gone from " + m.id(), Duration.ofSeconds(5), Duration.ofMillis(10),
        () -> holdingsNow().get(m).stream().noneMatch(key::equals));
  }

  /**
   * The loss seen in the kill/return scenario: a copy planned for deletion because its owner held
   * one at least as new, and the owner's copy gone by the time of the delete. The owner is read
   * again before the delete, and the copy, now the only one, is kept.
   */
  @Test
  void aStaleCopyWhoseOwnerLostItsCopySinceThePlanIsKept() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 11);
    GroupingKey k = ownedBy(three, a, "keeper-gone", 1).get(0);
    GroupingKey trigger = ownedBy(three, c, "trigger", 1).get(0);
    push(b, k, "# TYPE v gauge\nv 1\n");
    push(c, trigger, "# TYPE v gauge\nv 1\n");
    Await.sleep(20);
    push(a, k, "# TYPE v gauge\nv 2\n");
    push(b, trigger, "# TYPE v gauge\nv 2\n");

    PassReport report = afterFirstOwnerDelete(() -> three, () -> removeNow(a, k)).pass(three, List.of());
    assertThat(report.plan().deletes()).extracting(Action.Delete::key).containsExactly(k);
    assertThat(report.plan().ownerDeletes()).extracting(Action.DeleteOnOwner::key).containsExactly(trigger);
    Await.sleep(200); // a wrongly sent DELETE would be applied by now
    assertThat(value(b, k)).as("the only copy left").isEqualTo("1");
  }

  /**
   * A stale copy on its owner is deleted because a newer copy exists elsewhere; if that newer copy
   * is gone by then, the owner's is the only one and is kept.
   */
  @Test
  void aStaleOwnerCopyWhoseNewerCopyIsGoneIsKept() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 12);
    List<GroupingKey> keys = ownedBy(three, a, "newer-gone", 2);
    for (GroupingKey k : keys) push(a, k, "# TYPE v gauge\nv 1\n");
    Await.sleep(20);
    for (GroupingKey k : keys) push(b, k, "# TYPE v gauge\nv 2\n");
    GroupingKey[] first = new GroupingKey[1];
    boolean[] removed = {false};
    ReconcileEvents events = new ReconcileEvents() {
      @Override
      public boolean wanted() {
        return true;
      }

      @Override
      public void publish(io.pushring.tap.ReconcileEvent e) {
        if (!removed[0] && "delete-owner".equals(e.action()) && "done".equals(e.result())) {
          removed[0] = true;
          first[0] = e.groupingKey();
          for (GroupingKey k : keys) if (!k.equals(first[0])) removeNow(b, k); // the other one's newer copy
        }
      }
    };
    PassReport report = new Reconciler(CLIENT, new Reconciler.Settings(60, false), Clock.systemUTC(), 1000,
        () -> three, Reconciler.WriteGate.OPEN, events).pass(three, List.of());
    assertThat(report.plan().ownerDeletes()).hasSize(2);
    assertThat(first[0]).isNotNull();
    Await.sleep(200);
    for (GroupingKey k : keys) {
      if (!k.equals(first[0])) assertThat(value(a, k)).as("the only copy left of " + k.printable()).isEqualTo("1");
    }
  }

  /** A client pushing to the owner after the plan: its push is newer than every copy, so it is not deleted. */
  @Test
  void anOwnerCopyPushedAfterThePlanIsNotDeleted() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 10);
    GroupingKey k = ownedBy(three, a, "repushed", 1).get(0);
    push(a, k, "# TYPE v gauge\nv 1\n");
    Await.sleep(20);
    push(b, k, "# TYPE v gauge\nv 2\n");
    boolean[] pushed = {false};
    Supplier<Ring> current = () -> {
      // runs right before the first write of the pass: the client pushes to the owner now
      if (!pushed[0]) {
        pushed[0] = true;
        Await.sleep(20);
        push(a, k, "# TYPE v gauge\nv 3\n");
      }
      return three;
    };
    PassReport report = reconciler(60, false, current).pass(three, List.of());
    assertThat(report.plan().ownerDeletes()).hasSize(1);
    assertThat(report.deleted()).isZero();
    assertThat(report.migrationsSkipped()).isEqualTo(1);
    Await.sleep(200);
    assertThat(value(a, k)).isEqualTo("3");
  }

  /**
   * A client pushes a newer value to the source (or to a third member) after the migration read the
   * source, before the PUT (through an instance that has not seen the new ring yet). The owner stamps
   * the migrated, older value with the PUT's time, later than the client's push: the next pass must
   * still see the client's copy as the newest, delete the owner's stale one and move the newer one,
   * never delete it in favour of the migrated copy.
   */
  @ParameterizedTest(name = "pushed to {0}")
  @ValueSource(strings = {"source", "third member"})
  void aPushDuringAMigrationIsNotLostOnTheNextPass(String where) throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 12);
    GroupingKey k = ownedBy(three, a, "racing", 1).get(0);
    Member racing = where.equals("source") ? b : c;
    push(b, k, "# TYPE v gauge\nv 1\n");
    Await.sleep(20); // distinct push times
    boolean[] pushed = {false};
    Supplier<Ring> current = () -> {
      // runs right before the PUT, after the source's families were read
      if (!pushed[0]) {
        pushed[0] = true;
        push(racing, k, "# TYPE v gauge\nv 2\n");
        Await.sleep(20); // the PUT's stamp is later than the client's push
      }
      return three;
    };
    Reconciler reconciler = reconciler(0, false, current);
    PassReport first = reconciler.pass(three, List.of());
    assertThat(first.errors()).isEmpty();
    assertThat(value(racing, k)).isEqualTo("2");

    PassReport second = reconciler.pass(three, List.of());
    assertThat(second.errors()).isEmpty();
    assertThat(second.plan().deletes()).as("the client's newer copy is never deleted").isEmpty();
    assertThat(second.plan().ownerDeletes()).as("the owner's migrated copy is the stale one").hasSize(1);
    Map<Member, Set<GroupingKey>> expected = Map.of(a, Set.of(k), b, Set.of(), c, Set.of());
    assertThat(settledHoldings(expected)).isEqualTo(expected);
    assertThat(value(a, k)).as("the client's newer value survives").isEqualTo("2");
  }

  /**
   * Reads are paced by their cost: a clock on which every read takes 10 ms, a write pace of 1 ms:
   * without read pacing nothing would ever wait; with it, requests to the owner after its re-reads do.
   */
  @Test
  void readsDelayTheNextRequestToTheMemberRead() throws Exception {
    Ring three = Ring.build(Placement.GROUPING_KEY, List.of(a, b, c), 11);
    List<GroupingKey> lost = ownedBy(three, a, "paced", 3);
    for (GroupingKey k : lost) push(c, k, "v 1\n");
    long[] fake = {0};
    List<Long> sleeps = new ArrayList<>();
    MemberPacer pacer = new MemberPacer(1000, () -> fake[0] += 5_000_000L, nanos -> {
      sleeps.add(nanos);
      fake[0] += nanos;
    });
    PassReport report = new Reconciler(CLIENT, new Reconciler.Settings(0, false), Clock.systemUTC(), pacer, () -> three)
        .pass(three, List.of());
    assertThat(report.migrated()).isEqualTo(3);
    assertThat(report.errors()).isEmpty();
    assertThat(sleeps).as("waits after reads").isNotEmpty();
    assertThat(sleeps.stream().mapToLong(Long::longValue).sum()).isGreaterThanOrEqualTo(40_000_000L);
  }

  private static List<GroupingKey> concat(List<GroupingKey> x, List<GroupingKey> y) {
    List<GroupingKey> out = new ArrayList<>(x);
    out.addAll(y);
    return out;
  }
}
