package io.pushring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The planner's rules, one table row per situation, plus a randomized check of its safety invariants. */
class PlannerTest {
  private static final Member A = Member.ofAddress("10.0.0.1", 9091);
  private static final Member B = Member.ofAddress("10.0.0.2", 9091);
  private static final Member C = Member.ofAddress("10.0.0.3", 9091);
  private static final Member GONE = Member.ofAddress("10.0.0.9", 9091);
  private static final Ring RING = Ring.build(Placement.GROUPING_KEY, List.of(A, B, C), 7);
  private static final double NOW = 1_800_000_000;
  private static final double QUIET = 30;

  /** A key owned by {@code owner}, distinct per {@code n}. */
  private static GroupingKey ownedBy(Member owner, int n) {
    int found = 0;
    for (int i = 0; ; i++) {
      GroupingKey k = GroupingKeyParser.parse("/metrics/job/j/i/" + i);
      if (RING.route(k).equals(owner) && found++ == n) return k;
    }
  }

  /** Fleet builder: member -> its groups. */
  private static final class Fleet {
    final Map<Member, List<GroupSnapshot>> groups = new LinkedHashMap<>();

    Fleet member(Member m) {
      groups.computeIfAbsent(m, x -> new ArrayList<>());
      return this;
    }

    Fleet copy(Member m, GroupingKey k, double pushTime) {
      member(m).groups.get(m).add(new GroupSnapshot(k, pushTime, 0));
      return this;
    }

    Map<Member, MemberGroups> read() {
      Map<Member, MemberGroups> out = new HashMap<>();
      groups.forEach((m, g) -> out.put(m, new MemberGroups(g, List.of())));
      return out;
    }

    Plan plan() {
      return Planner.plan(RING, read(), NOW, QUIET);
    }

    /** Planned while Prometheus scrapes only {@code scraped}. */
    Plan planScraping(Member... scraped) {
      return Planner.plan(RING, read(), NOW, QUIET, java.util.Set.of(scraped)::contains);
    }
  }

  private static Fleet fleet() {
    return new Fleet().member(A).member(B).member(C);
  }

  private final GroupingKey k = ownedBy(A, 0);

  @Test
  void aGroupOnlyOnItsOwnerNeedsNothing() {
    Plan p = fleet().copy(A, k, NOW - 1000).plan();
    assertThat(p.onOwner()).isEqualTo(1);
    assertThat(p.deletes()).isEmpty();
    assertThat(p.migrations()).isEmpty();
    assertThat(p.isClean()).isTrue();
    assertThat(p.groupsScanned()).isEqualTo(1);
    assertThat(p.ringVersion()).isEqualTo(7);
  }

  @Test
  void anOlderCopyOffTheOwnerIsDeleted() {
    Plan p = fleet().copy(A, k, NOW - 1).copy(B, k, NOW - 100).plan();
    assertThat(p.deletes()).containsExactly(new Action.Delete(B, k, NOW - 100, A, NOW - 1));
    assertThat(p.migrations()).isEmpty();
  }

  @Test
  void aCopyAsNewAsTheOwnersIsDeleted() {
    Plan p = fleet().copy(A, k, NOW - 5).copy(B, k, NOW - 5).plan();
    assertThat(p.deletes()).extracting(Action.Delete::member).containsExactly(B);
  }

  @Test
  void aNewerQuietCopyOffTheOwnerIsMigratedAndOnlyTheOwnersStaleCopyIsDeleted() {
    Plan p = fleet().copy(A, k, NOW - 500).copy(B, k, NOW - 100).plan();
    assertThat(p.migrations()).containsExactly(new Action.Migrate(B, A, k, NOW - 100));
    assertThat(p.ownerDeletes()).containsExactly(new Action.DeleteOnOwner(A, k, NOW - 500, B, NOW - 100));
    assertThat(p.deletes()).isEmpty();
  }

  @Test
  void aNewerCopyPushedWithinTheQuietPeriodWaitsButTheOwnersStaleCopyIsDeletedAtOnce() {
    Plan p = fleet().copy(A, k, NOW - 500).copy(B, k, NOW - QUIET + 1).plan();
    assertThat(p.migrations()).isEmpty();
    assertThat(p.deletes()).isEmpty();
    assertThat(p.ownerDeletes()).containsExactly(new Action.DeleteOnOwner(A, k, NOW - 500, B, NOW - QUIET + 1));
    assertThat(p.waiting()).isEqualTo(1);
    assertThat(p.isClean()).isFalse();
  }

  @Test
  void anOwnersStaleCopyIsLeftWhileTheOwnerIsNotScrapedTheMigrationOrTheNextPushReplacesIt() {
    Plan waiting = fleet().copy(A, k, NOW - 500).copy(B, k, NOW - QUIET + 1).planScraping(B, C);
    assertThat(waiting.ownerDeletes()).isEmpty();
    assertThat(waiting.deletes()).isEmpty();
    assertThat(waiting.waiting()).isEqualTo(1);
    assertThat(waiting.isClean()).isFalse();
    Plan quiet = fleet().copy(A, k, NOW - 500).copy(B, k, NOW - 100).planScraping(B, C);
    assertThat(quiet.ownerDeletes()).isEmpty();
    assertThat(quiet.migrations()).containsExactly(new Action.Migrate(B, A, k, NOW - 100));
    // scraped: deleted at once, as above
    assertThat(fleet().copy(A, k, NOW - 500).copy(B, k, NOW - QUIET + 1).planScraping(A, B, C).ownerDeletes())
        .containsExactly(new Action.DeleteOnOwner(A, k, NOW - 500, B, NOW - QUIET + 1));
  }

  @Test
  void anOwnerCopyAsNewAsTheNewestElsewhereIsKept() {
    Plan p = fleet().copy(A, k, NOW - 100).copy(B, k, NOW - 100).plan();
    assertThat(p.ownerDeletes()).isEmpty();
    assertThat(p.deletes()).extracting(Action.Delete::member).containsExactly(B);
  }

  @Test
  void theOnlyCopyOffTheOwnerIsMigratedWhenQuietAndNeverDeleted() {
    assertThat(fleet().copy(C, k, NOW - QUIET).plan().migrations()).containsExactly(new Action.Migrate(C, A, k, NOW - QUIET));
    Plan busy = fleet().copy(C, k, NOW - 1).plan();
    assertThat(busy.migrations()).isEmpty();
    assertThat(busy.deletes()).isEmpty();
    assertThat(busy.waiting()).isEqualTo(1);
  }

  @Test
  void ofSeveralCopiesOffTheOwnerTheNewestIsMigratedTheOthersWait() {
    Plan p = fleet().copy(B, k, NOW - 200).copy(C, k, NOW - 100).plan();
    assertThat(p.migrations()).containsExactly(new Action.Migrate(C, A, k, NOW - 100));
    assertThat(p.deletes()).isEmpty();
  }

  @Test
  void equalNewestCopiesMigrateFromTheLowestMemberId() {
    Plan p = fleet().copy(C, k, NOW - 100).copy(B, k, NOW - 100).plan();
    assertThat(p.migrations()).extracting(Action.Migrate::from).containsExactly(B);
  }

  @Test
  void anOwnerCopyBetweenTwoOthersDeletesTheOlderAndMigratesTheNewer() {
    Plan p = fleet().copy(A, k, NOW - 200).copy(B, k, NOW - 300).copy(C, k, NOW - 100).plan();
    assertThat(p.deletes()).containsExactly(new Action.Delete(B, k, NOW - 300, A, NOW - 200));
    assertThat(p.migrations()).containsExactly(new Action.Migrate(C, A, k, NOW - 100));
    assertThat(p.ownerDeletes()).containsExactly(new Action.DeleteOnOwner(A, k, NOW - 200, C, NOW - 100));
  }

  @Test
  void aGroupWhoseOwnerCouldNotBeReadIsLeftAlone() {
    Fleet f = new Fleet().member(B).member(C).copy(B, k, NOW - 1000).copy(C, k, NOW - 900);
    Plan p = f.plan();
    assertThat(p.deletes()).isEmpty();
    assertThat(p.migrations()).isEmpty();
    assertThat(p.skipped()).singleElement().asString().contains("could not be read");
  }

  @Test
  void aDepartedMembersGroupsGoToTheirOwners() {
    GroupingKey kb = ownedBy(B, 0);
    Plan p = fleet().copy(GONE, k, NOW - 100).copy(GONE, kb, NOW - 100).copy(B, kb, NOW - 50).plan();
    assertThat(p.migrations()).containsExactly(new Action.Migrate(GONE, A, k, NOW - 100));
    assertThat(p.deletes()).containsExactly(new Action.Delete(GONE, kb, NOW - 100, B, NOW - 50));
  }

  @Test
  void aCopyNeverPushedSuccessfullyIsNotMoved() {
    Plan p = fleet().copy(B, k, 0).plan();
    assertThat(p.migrations()).isEmpty();
    assertThat(p.deletes()).isEmpty();
    assertThat(p.skipped()).singleElement().asString().contains("never pushed successfully");
  }

  @Test
  void anEmptyRingPlansNothing() {
    Map<Member, MemberGroups> read = fleet().copy(B, k, NOW - 100).read();
    Plan p = Planner.plan(Ring.empty(Placement.GROUPING_KEY, 3), read, NOW, QUIET);
    assertThat(p.deletes()).isEmpty();
    assertThat(p.migrations()).isEmpty();
    assertThat(p.skipped()).containsExactly("the ring is empty");
  }

  /**
   * 2,000 random fleets: no plan deletes the last copy of a group, deletes only copies off the owner
   * that the owner matches or beats, migrates only to the owner the newest copy, and only quiet ones.
   */
  @Test
  void randomFleetsNeverLoseAGroup() {
    Random random = new Random(42);
    List<Member> all = List.of(A, B, C, GONE);
    List<GroupingKey> keys = new ArrayList<>();
    for (int i = 0; i < 12; i++) keys.add(GroupingKeyParser.parse("/metrics/job/r/i/" + i));
    int actions = 0;
    for (int round = 0; round < 2000; round++) {
      Fleet f = new Fleet();
      for (Member m : all) if (random.nextInt(5) > 0) f.member(m);
      Map<GroupingKey, Map<Member, Double>> held = new HashMap<>();
      for (GroupingKey key : keys) {
        for (Member m : f.groups.keySet()) {
          if (random.nextBoolean()) {
            double t = random.nextInt(4) == 0 ? 0 : NOW - random.nextInt(3) * 20; // ties and zeros on purpose
            f.copy(m, key, t);
            held.computeIfAbsent(key, x -> new HashMap<>()).put(m, t);
          }
        }
      }
      Plan p = f.plan();
      Map<GroupingKey, Set<Member>> remaining = new HashMap<>();
      held.forEach((key, m) -> remaining.put(key, new HashSet<>(m.keySet())));
      for (Action.Delete d : p.deletes()) {
        Member owner = RING.route(d.key());
        assertThat(d.member()).isNotEqualTo(owner);
        assertThat(d.owner()).isEqualTo(owner);
        assertThat(held.get(d.key()).get(owner)).isGreaterThanOrEqualTo(held.get(d.key()).get(d.member()));
        remaining.get(d.key()).remove(d.member());
        actions++;
      }
      for (Action.DeleteOnOwner d : p.ownerDeletes()) {
        assertThat(d.owner()).isEqualTo(RING.route(d.key()));
        assertThat(held.get(d.key()).get(d.owner())).isEqualTo(d.pushTime());
        assertThat(held.get(d.key()).get(d.newerOn())).isEqualTo(d.newerPushTime()).isGreaterThan(d.pushTime());
        remaining.get(d.key()).remove(d.owner());
        actions++;
      }
      remaining.forEach((key, members) -> {
        assertThat(members).as("copies of " + key).isNotEmpty();
        double newest = held.get(key).values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        assertThat(members.stream().anyMatch(m -> held.get(key).get(m) == newest)).as("newest copy of " + key + " kept").isTrue();
        Member owner = RING.route(key);
        if (members.contains(owner)) {
          assertThat(held.get(key).get(owner)).as("the owner keeps only a newest copy of " + key).isEqualTo(newest);
        }
      });
      for (Action.Migrate m : p.migrations()) {
        assertThat(m.to()).isEqualTo(RING.route(m.key()));
        double newest = held.get(m.key()).values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        assertThat(m.pushTime()).isEqualTo(newest).isGreaterThan(0).isLessThanOrEqualTo(NOW - QUIET);
        actions++;
      }
    }
    assertThat(actions).isGreaterThan(1000); // the rounds did exercise the rules
  }
}
