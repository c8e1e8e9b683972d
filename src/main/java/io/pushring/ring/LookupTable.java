package io.pushring.ring;

/** The immutable lookup structure behind a {@link Ring}: position to owner, plus operator statistics. */
interface LookupTable {
  /** Index (in id order) of the member owning a placement position; -1 when there is no member. No allocation. */
  int ownerOf(long position);

  /** Entries (points or slots) in the table. */
  int size();

  /** Exact fraction of the position space owned by each member. */
  double[] shares(int members);

  /** Entries (points or slots) owned by each member. */
  int[] entryCounts(int members);

  /** A digest of every entry and its owner, for the ring fingerprint. */
  long digest();
}
