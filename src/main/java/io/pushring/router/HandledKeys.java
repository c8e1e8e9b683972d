package io.pushring.router;

/**
 * The keys whose previous copies a router verticle already dealt with since the last ring change:
 * a set of 64-bit key hashes (open addressing, linear probing) that grows by doubling up to a cap
 * and then refuses new keys. Memory: at most {@code 16 x cap} bytes (a {@code long[]} at most half
 * full). Confined to one event loop.
 *
 * <p>A collision of two keys' 64-bit hashes makes the second key look handled: its old copy is then
 * left to the reconciler's background pass, as for keys beyond the cap.
 */
final class HandledKeys {
  private static final int INITIAL = 1024;

  private final int cap;
  private long[] slots;
  private int size;

  /** @param cap most keys held; 0 = none (every key is refused) */
  HandledKeys(int cap) {
    this.cap = cap;
    this.slots = new long[INITIAL];
  }

  enum Added { NEW, KNOWN, FULL }

  /** Records {@code hash}: {@link Added#NEW} the first time, {@link Added#KNOWN} after, {@link Added#FULL} when new and the cap is reached. */
  Added add(long hash) {
    long h = hash == 0 ? 1 : hash;   // 0 marks a free slot
    int mask = slots.length - 1;
    int i = spread(h) & mask;
    while (slots[i] != 0) {
      if (slots[i] == h) return Added.KNOWN;
      i = (i + 1) & mask;
    }
    if (size >= cap) return Added.FULL;
    slots[i] = h;
    size++;
    if (size * 2 > slots.length) grow();
    return Added.NEW;
  }

  int size() {
    return size;
  }

  /** Forgets every key and returns the memory beyond the initial table. */
  void clear() {
    if (size == 0) return;
    slots = new long[INITIAL];
    size = 0;
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    int mask = slots.length - 1;
    for (long h : old) {
      if (h == 0) continue;
      int i = spread(h) & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = h;
    }
  }

  /** The hashes are XXH64 already; fold the high bits in so any table size uses all of them. */
  private static int spread(long h) {
    return (int) (h ^ (h >>> 32));
  }
}
