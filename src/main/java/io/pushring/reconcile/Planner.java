package io.pushring.reconcile;

import io.pushring.key.GroupingKey;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides, from one read of every member, what brings each group onto its owner only, with its
 * newest value. Pure: no I/O, no clock (the caller passes "now"), so every rule is a table test.
 *
 * <p>For a group with copies off its owner ({@code ring.route(key)}, the router's own lookup):
 * <ul>
 *   <li>a copy no newer than the owner's copy (push times compared, {@code <=}) is deleted: the owner
 *       keeps a copy at least as new, so no delete ever removes the only copy of a group;
 *   <li>when a non-owner holds a copy newer than the owner's (or the owner holds none), the newest
 *       such copy is migrated to the owner, but only once every copy has been quiet for
 *       {@code quietSeconds}: a client that still pushes the group pushes it to the owner now, and
 *       its push must never be overwritten by an older copy. A quiet group is one nobody is
 *       pushing; moving it races only with a client that wakes up in the instant of the move (the
 *       executor re-checks the owner just before it pushes). Groups pushed regularly are never
 *       migrated at all: their first push after a ring change lands on the owner, after which their
 *       old copies are simply deleted;
 *   <li>an owner copy OLDER than a copy elsewhere, on an owner Prometheus scrapes (admitted), is
 *       deleted at once ({@link Action.DeleteOnOwner}): a newer copy exists, so it is never the
 *       only one, and its stale copy must not be exported any longer than it takes to delete it.
 *       The newer copy then waits for the quiet rule above, or is replaced by the client's next
 *       push to the owner. On an owner NOT scraped (back with its persistence file, not admitted
 *       yet) the stale copy is left: nobody sees it; the client's next push (the router deletes
 *       the temporary owner's copy first) or the quiet rule's migration replaces it; deleting it
 *       costs two guarded reads of whole Pushgateways per group (a return with 230 such groups
 *       made one pass last 46 s, most of its deletes skipped because the clients pushed meanwhile);
 *   <li>older non-owner copies that are newer than the owner's wait for the next pass (after the
 *       migration the owner holds the newest copy and they are deleted then);
 *   <li>a group whose owner could not be read is left alone; so is a group no copy of which was ever
 *       pushed successfully (push time 0: nothing to move).
 * </ul>
 * The push times are the data's: the {@link Reconciler} passes a migrated copy's with its data's
 * time rather than the PUT's stamp ({@link MigratedCopies}).
 * Push times come from each Pushgateway's own clock: comparing them across Pushgateways assumes
 * clocks agree to well under the push interval of a group (NTP).
 */
public final class Planner {
  private Planner() {}

  /**
   * @param snapshots every member that was read (ring members and departed ones), with its groups
   * @param nowSeconds current Unix time in seconds
   * @param quietSeconds how long the newest copy must be untouched before it is migrated
   */
  public static Plan plan(Ring ring, Map<Member, MemberGroups> snapshots, double nowSeconds, double quietSeconds) {
    return plan(ring, snapshots, nowSeconds, quietSeconds, m -> true);
  }

  /**
   * @param scraped whether Prometheus scrapes a member (admitted): only there is an owner's stale
   *     copy deleted at once
   */
  public static Plan plan(Ring ring, Map<Member, MemberGroups> snapshots, double nowSeconds, double quietSeconds,
      java.util.function.Predicate<Member> scraped) {
    // key -> (member -> snapshot), members in id order for a deterministic plan
    Map<GroupingKey, Map<Member, GroupSnapshot>> copies = new LinkedHashMap<>();
    int scanned = 0;
    List<Member> byId = new ArrayList<>(snapshots.keySet());
    byId.sort(Comparator.naturalOrder());
    for (Member m : byId) {
      for (GroupSnapshot g : snapshots.get(m).groups()) {
        scanned++;
        copies.computeIfAbsent(g.key(), k -> new LinkedHashMap<>()).put(m, g);
      }
    }
    int onOwner = 0;
    int waiting = 0;
    List<String> skipped = new ArrayList<>();
    List<Action.Delete> deletes = new ArrayList<>();
    List<Action.Migrate> migrations = new ArrayList<>();
    List<Action.DeleteOnOwner> ownerDeletes = new ArrayList<>();
    if (ring.isEmpty()) {
      return new Plan(ring.version(), scanned, 0, 0, List.of("the ring is empty"), List.of(), List.of());
    }
    for (Map.Entry<GroupingKey, Map<Member, GroupSnapshot>> e : copies.entrySet()) {
      GroupingKey key = e.getKey();
      Map<Member, GroupSnapshot> held = e.getValue();
      Member owner = ring.route(key);
      GroupSnapshot ownerCopy = held.get(owner);
      if (ownerCopy != null && held.size() == 1) {
        onOwner++;
        continue;
      }
      if (!snapshots.containsKey(owner)) {
        skipped.add(key.printable() + ": owner " + owner.id() + " could not be read");
        continue;
      }
      GroupSnapshot newest = null;
      Member newestOn = null;
      for (Map.Entry<Member, GroupSnapshot> c : held.entrySet()) {
        Member m = c.getKey();
        if (m.equals(owner)) continue;
        GroupSnapshot copy = c.getValue();
        if (ownerCopy != null && ownerCopy.pushTime() >= copy.pushTime()) {
          deletes.add(new Action.Delete(m, key, copy.pushTime(), owner, ownerCopy.pushTime()));
        } else if (newest == null || copy.pushTime() > newest.pushTime()) {
          newest = copy; // ties keep the first, i.e. the lowest member id
          newestOn = m;
        }
      }
      if (newest == null) continue;
      if (ownerCopy != null && newest.pushTime() > ownerCopy.pushTime() && scraped.test(owner)) {
        // The owner is scraped and pushed to: its copy is stale now that a newer one exists, and
        // would be exported next to (or instead of) the newer one. Delete it at once; the newer copy
        // is migrated by the quiet rule below, or replaced by the client's next push to the owner.
        ownerDeletes.add(new Action.DeleteOnOwner(owner, key, ownerCopy.pushTime(), newestOn, newest.pushTime()));
      }
      if (newest.pushTime() <= 0) {
        skipped.add(key.printable() + ": never pushed successfully on " + newestOn.id());
      } else if (nowSeconds - newest.pushTime() >= quietSeconds) {
        migrations.add(new Action.Migrate(newestOn, owner, key, newest.pushTime()));
      } else {
        waiting++;
      }
    }
    return new Plan(ring.version(), scanned, onOwner, waiting, skipped, deletes, migrations, ownerDeletes);
  }
}
