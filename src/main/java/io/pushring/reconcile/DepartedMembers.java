package io.pushring.reconcile;

import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Members that left the ring but may still hold groups, which passes keep reading (their copies all
 * belong elsewhere) until one reads them empty. A departed member that cannot be read is kept for
 * {@code retention} of unreadable passes before it is forgotten: its health check may have flapped
 * (Consul dropped it, it still runs), or it is restarting with its persistence file; either way it
 * still holds groups, and forgetting it after one failed read would leave them there for good (it
 * never re-enters the ring in a scale-in). Past the retention it is taken for gone for good (a
 * killed pod, a decommissioned host): reading a dead address forever costs a connect timeout per pass.
 *
 * <p>Plain data, no clock of its own (callers pass the time): used on the reconciler verticle's
 * event loop only.
 */
final class DepartedMembers {
  private final Duration retention;
  /** Member -> epoch millis of the first unreadable pass since it was last read (absent: read, or never tried). */
  private final Map<Member, Long> unreadableSince = new LinkedHashMap<>();
  private final Set<Member> members = new LinkedHashSet<>();

  DepartedMembers(Duration retention) {
    this.retention = retention;
  }

  /** The ring went from {@code previous} (null: none) to {@code current}: who left is departed, who is back is not. */
  void ringChanged(Ring previous, Ring current) {
    if (previous != null) {
      for (Member m : previous.members()) if (!current.members().contains(m)) members.add(m);
    }
    for (Member m : current.members()) forget(m);
  }

  /** The departed members, in order of departure, for the next pass to read. */
  List<Member> toRead() {
    return List.copyOf(members);
  }

  /**
   * What a pass that was handed {@code read} learned: {@code groupsPerMember} holds the members it
   * could read. A member read empty is forgotten; one unreadable since {@code retention} or longer
   * is forgotten; one read with groups stays (its unreadable streak ends). Members that re-joined
   * the ring meanwhile were already dropped by {@link #ringChanged} and are not brought back.
   */
  void passed(Collection<Member> read, Map<Member, Integer> groupsPerMember, long nowMillis) {
    for (Member m : read) {
      if (!members.contains(m)) continue;
      Integer held = groupsPerMember.get(m);
      if (held == null) {
        long since = unreadableSince.computeIfAbsent(m, x -> nowMillis);
        if (nowMillis - since >= retention.toMillis()) forget(m);
      } else if (held == 0) {
        forget(m);
      } else {
        unreadableSince.remove(m);
      }
    }
  }

  /** For the status: each departed member with the time of its first unreadable pass in a row (null: readable). */
  List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    for (Member m : members) out.add(new Entry(m, unreadableSince.get(m)));
    return out;
  }

  record Entry(Member member, Long unreadableSinceMillis) {}

  private void forget(Member m) {
    members.remove(m);
    unreadableSince.remove(m);
  }
}
