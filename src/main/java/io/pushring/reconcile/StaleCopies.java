package io.pushring.reconcile;

import io.pushring.key.GroupingKey;
import io.pushring.ring.Member;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which members hold a copy older than another member's copy of the same group, once a pass's
 * actions are applied to what it read: what {@link Admission} asks of a member before Prometheus may
 * scrape it. Pure: the pass says what it read and which of its actions were carried out.
 */
final class StaleCopies {
  private StaleCopies() {}

  /** One copy: a group on a member. */
  record Copy(Member member, GroupingKey key) {}

  /**
   * @param read     what the pass read, member by member
   * @param removed  copies the pass deleted (stale deletes, stale owner copies, migrated sources)
   * @param migrated migrations carried out (the owner now holds the copy pushed at {@code pushTime})
   * @return members that still hold a copy older than the newest copy of its group
   */
  static Set<Member> holders(Map<Member, MemberGroups> read, Set<Copy> removed, Collection<Action.Migrate> migrated) {
    Map<GroupingKey, Map<Member, Double>> copies = new HashMap<>();
    read.forEach((m, groups) -> {
      for (GroupSnapshot g : groups.groups()) {
        if (!removed.contains(new Copy(m, g.key()))) copies.computeIfAbsent(g.key(), k -> new HashMap<>()).put(m, g.pushTime());
      }
    });
    for (Action.Migrate m : migrated) copies.computeIfAbsent(m.key(), k -> new HashMap<>()).put(m.to(), m.pushTime());
    Set<Member> stale = new HashSet<>();
    for (Map<Member, Double> held : copies.values()) {
      if (held.size() < 2) continue;
      double newest = held.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
      held.forEach((m, t) -> {
        if (t < newest) stale.add(m);
      });
    }
    return stale;
  }

  /** What the plan would leave if every action of it were carried out (a dry run's report). */
  static Set<Member> holdersIfCarriedOut(Map<Member, MemberGroups> read, Plan plan) {
    Set<Copy> removed = new HashSet<>();
    for (Action.Delete d : plan.deletes()) removed.add(new Copy(d.member(), d.key()));
    for (Action.DeleteOnOwner d : plan.ownerDeletes()) removed.add(new Copy(d.owner(), d.key()));
    for (Action.Migrate m : plan.migrations()) removed.add(new Copy(m.from(), m.key()));
    return holders(read, removed, plan.migrations());
  }
}
