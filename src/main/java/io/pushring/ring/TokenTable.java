package io.pushring.ring;

import java.util.Arrays;

/**
 * The lookup structure of a ring: every point ("token") of every member in one sorted primitive
 * array, a parallel array of owners, and a prefix index on the top bits of a position that narrows
 * each lookup to a couple of tokens. Immutable once built; no allocation on lookup.
 *
 * <p>Positions are unsigned. Internally a placement position {@code p} of {@code positionBits} bits
 * is widened to {@code p << (64 - positionBits)}, so both placements share one 64-bit space (order,
 * ties and arc proportions are unchanged by the shift), and stored with the sign bit flipped so
 * that plain signed comparison orders them as unsigned.
 */
final class TokenTable implements LookupTable {
  /** Largest prefix index: 2^22 + 1 ints (16 MiB) would be reached only past ~4M tokens. */
  private static final int MAX_PREFIX_BITS = 22;
  /** Above this many tokens in one bucket the scan turns into a binary search (adversarial points only). */
  private static final int SCAN_LIMIT = 8;

  private final long[] keys; // widened positions with the sign bit flipped, ascending
  private final int[] owners; // member index (members sorted by id) of each token
  private final int[] prefix; // prefix[b] = first token whose top bits are >= b; prefix[2^bits] = n
  private final int prefixShift; // 64 - prefix bits
  private final int widen; // 64 - positionBits

  private TokenTable(long[] keys, int[] owners, int[] prefix, int prefixShift, int widen) {
    this.keys = keys;
    this.owners = owners;
    this.prefix = prefix;
    this.prefixShift = prefixShift;
    this.widen = widen;
  }

  /**
   * Builds the table from each member's points, given in insertion order: when two points are equal,
   * the one inserted later owns the position (dynamic-sharding's map overwrite, kept for both modes).
   *
   * @param points points of each inserted member, in placement positions of {@code positionBits} bits
   * @param owner member index (in id order) of each inserted member
   */
  static TokenTable build(long[][] points, int[] owner, int positionBits) {
    int widen = 64 - positionBits;
    int n = 0;
    for (long[] p : points) n += p.length;
    if (n == 0) return new TokenTable(new long[0], new int[0], new int[] {0, 0}, 63, widen);
    long[] raw = new long[n];
    int[] own = new int[n];
    int at = 0;
    for (int m = 0; m < points.length; m++) {
      for (long p : points[m]) {
        raw[at] = p << widen;
        own[at++] = owner[m];
      }
    }
    long[][] sortedKeys = {raw};
    int[][] sortedOwners = {own};
    radixSort(sortedKeys, sortedOwners);
    raw = sortedKeys[0];
    own = sortedOwners[0];

    // Equal points: keep the last of each run, which the stable sort left as the latest inserted.
    int kept = 0;
    for (int i = 0; i < n; i++) {
      if (i + 1 < n && raw[i + 1] == raw[i]) continue;
      raw[kept] = raw[i];
      own[kept++] = own[i];
    }
    long[] keys = new long[kept];
    for (int i = 0; i < kept; i++) keys[i] = raw[i] ^ Long.MIN_VALUE;
    int[] owners = Arrays.copyOf(own, kept);

    int bits = Math.max(1, Math.min(MAX_PREFIX_BITS, 31 - Integer.numberOfLeadingZeros(kept)));
    int shift = 64 - bits;
    int buckets = 1 << bits;
    int[] prefix = new int[buckets + 1];
    int b = 0;
    for (int i = 0; i < kept; i++) {
      int bucket = (int) (raw[i] >>> shift);
      while (b <= bucket) prefix[b++] = i;
    }
    while (b <= buckets) prefix[b++] = kept;
    return new TokenTable(keys, owners, prefix, shift, widen);
  }

  /** Stable LSD radix sort of unsigned 64-bit keys with their owners, one byte per pass. */
  private static void radixSort(long[][] keysRef, int[][] ownersRef) {
    long[] k = keysRef[0];
    int[] v = ownersRef[0];
    int n = k.length;
    long[] k2 = new long[n];
    int[] v2 = new int[n];
    int[] count = new int[257];
    for (int shift = 0; shift < 64; shift += 8) {
      Arrays.fill(count, 0);
      for (int i = 0; i < n; i++) count[(int) ((k[i] >>> shift) & 0xFF) + 1]++;
      if (count[(int) ((k[0] >>> shift) & 0xFF) + 1] == n) continue; // one digit only: nothing to move
      for (int d = 0; d < 256; d++) count[d + 1] += count[d];
      for (int i = 0; i < n; i++) {
        int pos = count[(int) ((k[i] >>> shift) & 0xFF)]++;
        k2[pos] = k[i];
        v2[pos] = v[i];
      }
      long[] tk = k; k = k2; k2 = tk;
      int[] tv = v; v = v2; v2 = tv;
    }
    keysRef[0] = k;
    ownersRef[0] = v;
  }

  @Override
  public int size() {
    return keys.length;
  }

  @Override
  public int ownerOf(long position) {
    int token = find(position);
    return token < 0 ? -1 : owners[token];
  }

  /**
   * Index of the token owning {@code position}: the smallest token strictly greater than it, else
   * (wrap) the smallest token; -1 when there are no tokens.
   */
  int find(long position) {
    final long[] k = keys;
    final int n = k.length;
    if (n == 0) return -1;
    final long raw = position << widen;
    final long key = raw ^ Long.MIN_VALUE;
    final int bucket = (int) (raw >>> prefixShift);
    int lo = prefix[bucket];
    int hi = prefix[bucket + 1];
    if (hi - lo > SCAN_LIMIT) {
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (k[mid] <= key) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < hi && k[lo] <= key) lo++;
    }
    // lo is the first token > position in this bucket, or the first token of a later bucket.
    return lo == n ? 0 : lo;
  }

  /** Token {@code i} as a placement position (unsigned, positionBits wide). */
  long position(int i) {
    return (keys[i] ^ Long.MIN_VALUE) >>> widen;
  }

  /**
   * Fraction of the position space owned by each member: the arcs ending at its tokens, summed
   * exactly as unsigned 64-bit integers (a sum can only wrap when one member owns every token).
   */
  @Override
  public double[] shares(int members) {
    double[] shares = new double[members];
    int n = keys.length;
    if (n == 0) return shares;
    long[] arcs = new long[members];
    for (int i = 0; i < n; i++) arcs[owners[i]] += keys[i] - keys[i == 0 ? n - 1 : i - 1]; // wraps for i = 0
    int[] counts = entryCounts(members);
    for (int m = 0; m < members; m++) {
      if (counts[m] == n) {
        shares[m] = 1.0;
      } else {
        long arc = arcs[m];
        shares[m] = (arc >= 0 ? (double) arc : (double) (arc >>> 1) * 2.0) / 0x1p64;
      }
    }
    return shares;
  }

  @Override
  public int[] entryCounts(int members) {
    int[] counts = new int[members];
    for (int o : owners) counts[o]++;
    return counts;
  }

  @Override
  public long digest() {
    long d = keys.length;
    for (int i = 0; i < keys.length; i++) {
      d = Long.rotateLeft(d ^ position(i), 29) * 0x9E3779B185EBCA87L + owners[i];
    }
    return d;
  }
}
