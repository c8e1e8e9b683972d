package io.pushring.ring;

import io.pushring.hash.Murmur3;

/**
 * Grouping-key lookup: the 64-bit position space cut into 2^bits equal slots (its top bits), each
 * slot owned by the member of highest rendezvous score {@code fmix64(memberKey ^ fmix64(slot))}
 * (highest random weight, Thaler and Ravishankar 1998; Ceph's placement groups mapped by straw2 are
 * the same two-level idea). A lookup is one array read. Removing a member re-scores only the slots
 * it won (every other slot keeps its maximum); an added member takes only the slots where it scores
 * highest. Ties (two ids with equal XXH64) go to the later id in {@link Member} order.
 */
final class SlotTable implements LookupTable {
  /** Members are stored as char indexes. */
  static final int MAX_MEMBERS = 1 << 16;

  private final char[] owners; // empty when there are no members
  private final int shift;

  private SlotTable(char[] owners, int bits) {
    this.owners = owners;
    this.shift = 64 - bits;
  }

  /** @param memberKeys XXH64 of each member id, members in id order */
  static SlotTable build(long[] memberKeys, int bits) {
    int n = memberKeys.length;
    if (n > MAX_MEMBERS) throw new IllegalArgumentException("at most " + MAX_MEMBERS + " members, got " + n);
    if (n == 0) return new SlotTable(new char[0], bits);
    char[] owners = new char[1 << bits];
    if (n > 1) {
      for (int slot = 0; slot < owners.length; slot++) {
        owners[slot] = (char) winner(memberKeys, Murmur3.fmix64(slot));
      }
    }
    return new SlotTable(owners, bits);
  }

  /**
   * The table for a new member set, reusing {@code old}: a slot whose owner stays keeps it unless an
   * added member outscores it (the owner was the maximum over a superset of the kept members); only
   * slots of removed members are scored from scratch. Same result as {@link #build}, at the cost of
   * about 2^bits x (1 + added) scores instead of 2^bits x n for a change of one member.
   *
   * @param oldToNew new index of each old member (-1 when removed)
   * @param newKeys member keys of the new set, in id order
   * @param added new indexes of members not in the old set
   */
  static SlotTable rebuild(SlotTable old, int[] oldToNew, long[] newKeys, int[] added, int bits) {
    int n = newKeys.length;
    if (n > MAX_MEMBERS) throw new IllegalArgumentException("at most " + MAX_MEMBERS + " members, got " + n);
    if (old.owners.length != (1 << bits) || n == 0) return build(newKeys, bits);
    char[] owners = new char[1 << bits];
    for (int slot = 0; slot < owners.length; slot++) {
      int kept = oldToNew[old.owners[slot]];
      if (kept >= 0 && added.length == 0) {
        owners[slot] = (char) kept;
        continue;
      }
      long slotKey = Murmur3.fmix64(slot);
      int arg;
      if (kept >= 0) {
        arg = kept;
        long best = signedScore(newKeys[kept], slotKey);
        for (int a : added) {
          long score = signedScore(newKeys[a], slotKey);
          if (score > best || (score == best && a > arg)) {
            best = score;
            arg = a;
          }
        }
      } else {
        arg = winner(newKeys, slotKey);
      }
      owners[slot] = (char) arg;
    }
    return new SlotTable(owners, bits);
  }

  /** The member with the highest score for a slot; on a tie the later (greater id) member wins. */
  private static int winner(long[] memberKeys, long slotKey) {
    long best = signedScore(memberKeys[0], slotKey);
    int arg = 0;
    for (int m = 1; m < memberKeys.length; m++) {
      long score = signedScore(memberKeys[m], slotKey);
      if (score >= best) {
        best = score;
        arg = m;
      }
    }
    return arg;
  }

  /** The unsigned score with its sign bit flipped, so that signed comparison orders it unsigned. */
  private static long signedScore(long memberKey, long slotKey) {
    return Murmur3.fmix64(memberKey ^ slotKey) ^ Long.MIN_VALUE;
  }

  /** Rendezvous score of a member key for a slot (unsigned; higher wins). Exposed for tests. */
  static long score(long memberKey, int slot) {
    return Murmur3.fmix64(memberKey ^ Murmur3.fmix64(slot));
  }

  @Override
  public int ownerOf(long position) {
    final char[] o = owners;
    return o.length == 0 ? -1 : o[(int) (position >>> shift)];
  }

  @Override
  public int size() {
    return owners.length;
  }

  @Override
  public double[] shares(int members) {
    int[] counts = entryCounts(members);
    double[] shares = new double[members];
    for (int m = 0; m < members; m++) shares[m] = (double) counts[m] / owners.length;
    return shares;
  }

  @Override
  public int[] entryCounts(int members) {
    int[] counts = new int[members];
    for (char o : owners) counts[o]++;
    return counts;
  }

  @Override
  public long digest() {
    long d = owners.length;
    for (char o : owners) d = Long.rotateLeft(d, 29) * 0x9E3779B185EBCA87L + o;
    return d;
  }
}
