package io.pushring.ring;

import io.pushring.key.GroupingKey;
import io.vertx.core.shareddata.Shareable;
import java.util.Collection;
import java.util.List;

/**
 * An immutable consistent-hash ring over a set of members. Shareable: held by reference in the
 * Vert.x LocalMap, never copied. The same member set, in any order, yields the same placement.
 * SKELETON: implemented in the ring package work.
 */
public final class Ring implements Shareable {
  public static Ring build(Placement placement, Collection<Member> members, long version) {
    throw new UnsupportedOperationException("skeleton");
  }

  public static Ring empty(Placement placement, long version) { throw new UnsupportedOperationException("skeleton"); }

  public Placement placement() { throw new UnsupportedOperationException("skeleton"); }
  public long version() { throw new UnsupportedOperationException("skeleton"); }
  /** Members sorted by id. */
  public List<Member> members() { throw new UnsupportedOperationException("skeleton"); }
  public boolean isEmpty() { throw new UnsupportedOperationException("skeleton"); }
  /** Owner of a ring position; null when the ring is empty. No allocation. */
  public Member lookup(long hash) { throw new UnsupportedOperationException("skeleton"); }
  /** Owner of a key under this ring's placement; null when empty. */
  public Member route(GroupingKey key) { throw new UnsupportedOperationException("skeleton"); }
  /** Fraction of the hash space owned by each member, in {@link #members()} order. */
  public double[] shares() { throw new UnsupportedOperationException("skeleton"); }
  /** Same placement and same member set (ids, hosts, ports)? Then a rebuild would change nothing. */
  public boolean sameMembers(Ring other) { throw new UnsupportedOperationException("skeleton"); }
  /** A new ring with the same lookup structure and another version (no rebuild). */
  public Ring withVersion(long version) { throw new UnsupportedOperationException("skeleton"); }
  public String fingerprint() { throw new UnsupportedOperationException("skeleton"); }
}
