package io.pushring.reconcile;

import io.pushring.key.GroupingKey;
import io.pushring.ring.Member;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reconciler's memory of the copies it migrated. A Pushgateway stamps a PUT with the time it
 * received it, so an owner's migrated copy carries the migration's time as its push time, not the
 * time its data was pushed. Compared as is, it looks newer than a client's push that landed on
 * another member after the data was read but before the PUT, and that newer push would be deleted.
 * So the copy on {@code member} whose push time is still exactly the stamp the migration left is
 * taken as pushed at its data's time.
 *
 * <p>An entry is forgotten once that member's copy changes or is gone (a client pushed or deleted:
 * the stamp is then the client's own), once no other member holds the group (nothing left to
 * compare with), and, oldest first, beyond {@value #MAX} entries. Worker thread only.
 */
final class MigratedCopies {
  static final int MAX = 100_000;

  private record Copy(Member member, GroupingKey key) {}

  private record Times(double stamped, double data) {}

  private final int max;
  private final LinkedHashMap<Copy, Times> times = new LinkedHashMap<>() {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<Copy, Times> eldest) {
      return size() > max;
    }
  };

  MigratedCopies() {
    this(MAX);
  }

  MigratedCopies(int max) {
    this.max = max;
  }

  /** {@code member} holds, stamped {@code stamped} by its PUT, the copy of data pushed at {@code data}. */
  void record(Member member, GroupingKey key, double stamped, double data) {
    if (stamped == data) return; // nothing to translate
    times.put(new Copy(member, key), new Times(stamped, data));
  }

  /** The time the data of {@code member}'s copy was pushed, given the push time it reports. */
  double effective(Member member, GroupingKey key, double pushTime) {
    if (times.isEmpty()) return pushTime;
    Times t = times.get(new Copy(member, key));
    return t != null && t.stamped() == pushTime ? t.data() : pushTime;
  }

  int size() {
    return times.size();
  }

  /**
   * What a pass read, with every migrated copy's push time replaced by its data's; forgets the
   * entries the read shows are over.
   *
   * @param everyMemberRead false when some ring member could not be read: a group seen on one member
   *     only may have a copy on it, so its entry is kept
   */
  Map<Member, MemberGroups> apply(Map<Member, MemberGroups> read, boolean everyMemberRead) {
    if (times.isEmpty()) return read;
    Map<GroupingKey, Integer> holders = new HashMap<>();
    Map<Copy, Double> current = new HashMap<>();
    for (Map.Entry<Member, MemberGroups> e : read.entrySet()) {
      for (GroupSnapshot g : e.getValue().groups()) {
        Copy c = new Copy(e.getKey(), g.key());
        if (times.containsKey(c)) current.put(c, g.pushTime());
        holders.merge(g.key(), 1, Integer::sum);
      }
    }
    times.entrySet().removeIf(e -> {
      Copy c = e.getKey();
      if (!read.containsKey(c.member())) return false; // not read: nothing known
      Double now = current.get(c);
      return now == null || now != e.getValue().stamped()
          || (everyMemberRead && holders.getOrDefault(c.key(), 0) < 2);
    });
    if (times.isEmpty()) return read;
    Map<Member, MemberGroups> out = new HashMap<>(read);
    for (Map.Entry<Member, MemberGroups> e : read.entrySet()) {
      Member m = e.getKey();
      List<GroupSnapshot> groups = null;
      List<GroupSnapshot> in = e.getValue().groups();
      for (int i = 0; i < in.size(); i++) {
        GroupSnapshot g = in.get(i);
        double data = effective(m, g.key(), g.pushTime());
        if (data == g.pushTime()) continue;
        if (groups == null) groups = new ArrayList<>(in);
        groups.set(i, new GroupSnapshot(g.key(), data, g.failureTime()));
      }
      if (groups != null) out.put(m, new MemberGroups(groups, e.getValue().unnamed()));
    }
    return out;
  }
}
