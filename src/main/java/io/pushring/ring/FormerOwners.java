package io.pushring.ring;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who owned a key in the recent rings that preceded the current one, expressed as members of the
 * current ring: what a router needs to remove the copy a key left on its previous owner when the
 * key's owner changed. Pure and immutable; built once per ring change (and when a previous ring ages
 * out of the window), read on every push.
 *
 * <p>Cost per push for a key that did not move: one lookup per previous ring (one array read in
 * grouping-key mode) and one reference comparison, no allocation. With no previous ring in the
 * window (the steady state) the caller's {@link #isEmpty()} check is all it pays.
 */
public final class FormerOwners {
  private static final FormerOwners NONE = new FormerOwners(new Ring[0], new Member[0][]);

  private final Ring[] previous;
  /** Per previous ring: its member index to the current ring's member with the same id, null when gone. */
  private final Member[][] inCurrent;

  private FormerOwners(Ring[] previous, Member[][] inCurrent) {
    this.previous = previous;
    this.inCurrent = inCurrent;
  }

  /** No previous ring: nothing ever moved. */
  public static FormerOwners none() {
    return NONE;
  }

  /**
   * The former owners of keys under {@code current}, from {@code previous} rings (newest first, say).
   * Rings of another placement, empty rings and rings with the same members as {@code current}
   * (every key has the same owner there) are left out.
   */
  public static FormerOwners of(Ring current, List<Ring> previous) {
    Map<String, Member> byId = new HashMap<>();
    for (Member m : current.members()) byId.put(m.id(), m);
    Ring[] kept = previous.stream()
        .filter(p -> p != null && p != current && !p.isEmpty() && p.placement() == current.placement()
            && !p.sameMembers(current))
        .toArray(Ring[]::new);
    if (kept.length == 0 || current.isEmpty()) return NONE;
    Member[][] mapped = new Member[kept.length][];
    for (int i = 0; i < kept.length; i++) {
      List<Member> members = kept[i].members();
      mapped[i] = new Member[members.size()];
      for (int j = 0; j < members.size(); j++) {
        Member now = byId.get(members.get(j).id());
        // Same id but another address: the copy lives at the old address, which no longer serves it.
        mapped[i][j] = now != null && now.host().equals(members.get(j).host()) && now.port() == members.get(j).port()
            ? now : null;
      }
    }
    return new FormerOwners(kept, mapped);
  }

  public boolean isEmpty() {
    return previous.length == 0;
  }

  /** Previous rings considered. */
  public int size() {
    return previous.length;
  }

  /** Version of previous ring {@code i}. */
  public long version(int i) {
    return previous[i].version();
  }

  /**
   * The member of the current ring that owned {@code position} in previous ring {@code i}; null when
   * that owner is not in the current ring (dead or departed: not to be contacted). No allocation.
   *
   * @param position the key's ring position ({@link Placement#hash}), the same in every ring of a placement
   */
  public Member formerOwner(int i, long position) {
    int owner = previous[i].ownerIndex(position);
    return owner < 0 ? null : inCurrent[i][owner];
  }
}
