package io.pushring.ring;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.pushring.hash.Murmur3;
import io.pushring.hash.XxHash64;
import io.pushring.key.ByteHasher;
import io.pushring.key.GroupingKey;
import java.util.Arrays;
import java.util.Comparator;

/**
 * What a push is hashed on and how its owner is derived from the member set. Part of the placement
 * contract: frozen. Changing any hash, seed, slot or point count, or ordering rule below moves keys
 * between Pushgateways for every user; {@code PlacementGoldenTest} pins them.
 *
 * <p>The point-ring rule (dynamic-sharding, and {@code Ring.ofPoints} in tests): a key goes to the
 * owner of the smallest point strictly greater than the key's position, else (wrap) of the smallest
 * point; members are inserted in ascending byte-wise order of their ring name and, on equal points,
 * the member inserted later owns the point.
 */
public enum Placement {
  /**
   * Hash of the canonical grouping key; slots owned by rendezvous over member ids. The default.
   *
   * <ul>
   *   <li>key position: XXH64, seed 0, of {@link GroupingKey#canonical()} (unsigned 64-bit);
   *   <li>slot of a position: its top {@value #GROUPING_KEY_SLOT_BITS} bits (2^20 equal slots);
   *   <li>owner of slot {@code s}: the member with the highest unsigned
   *       {@code fmix64(XXH64(utf8(id)) ^ fmix64(s))} (MurmurHash3's 64-bit finalizer), ties to the
   *       later id. Identity, not address: a member that moves to another host keeps its keys
   *       (Envoy {@code hash_key}, HAProxy {@code puid}, dskit instance id).
   * </ul>
   *
   * <p>Why this and not a ring of virtual nodes: a ring's imbalance falls only as
   * 1/sqrt(vnodes per member), so a tight balance bound needs thousands of vnodes per member and a
   * lookup that chains cache misses; a table of 2^20 slots filled by rendezvous keeps the two
   * properties that matter (a removed member's keys, and only those, move; an added member takes
   * only what it wins) with multinomial balance and one table read per lookup. Maglev moves other
   * members' keys on removal; jump hash cannot remove a middle member; plain rendezvous costs O(n)
   * hashes per lookup. The price is the build, 2^20 x n scores, paid once per membership change;
   * {@link Ring#withMembers} then rescores only what can change. The measured comparison
   * ({@code PlacementMeasurementTest} prints it) is in the README, "Why slots and rendezvous".
   */
  GROUPING_KEY("grouping-key") {
    @Override
    public long hash(byte[] input) {
      return XxHash64.hash(input, 0, input.length, 0L);
    }

    @Override
    public long hash(GroupingKey key) {
      return key.hashCanonical(GROUPING_KEY_HASH); // no copy of the key bytes on the hot path
    }

    @Override
    String ringName(Member member) {
      return member.id();
    }

    @Override
    LookupTable table(Member[] byId) {
      long[] memberKeys = new long[byId.length];
      for (int i = 0; i < byId.length; i++) memberKeys[i] = memberKey(byId[i]);
      return SlotTable.build(memberKeys, GROUPING_KEY_SLOT_BITS);
    }

    @Override
    int positionBits() {
      return 64;
    }
  },

  /**
   * Bit-compatible with ning1875/dynamic-sharding (see DESIGN.md "Placement modes"): MurmurHash3
   * x86_32, seed 0, of {@link GroupingKey#decodedPath()} (unsigned 32-bit); for each member string
   * {@code host + ":" + port} and i = 0..499 a point at the hash of the UTF-8 bytes of
   * {@code decimal(i) + member}; members inserted in ascending byte-wise order of that string; the
   * later-inserted member owns an equal point; lookup strictly greater, else wrap. As in
   * dynamic-sharding's {@code pkg/consistent/consistent.go} ({@code eltKey}, {@code add},
   * {@code search}) driven by {@code pkg/sd/rings.go} ({@code sort.Strings}, 500 replicas).
   */
  DYNAMIC_SHARDING("dynamic-sharding") {
    @Override
    public long hash(byte[] input) {
      return Integer.toUnsignedLong(Murmur3.hash32(input, 0, input.length, 0));
    }

    @Override
    public long hash(GroupingKey key) {
      return key.hashDecodedPath(DYNAMIC_SHARDING_HASH);
    }

    @Override
    String ringName(Member member) {
      return member.host() + ":" + member.port(); // Go's fmt "%s:%d": no brackets around IPv6 hosts
    }

    @Override
    LookupTable table(Member[] byId) {
      return pointTable(byId, this::points);
    }

    @Override
    long[] points(Member member) {
      String name = ringName(member);
      long[] points = new long[DYNAMIC_SHARDING_REPLICAS];
      for (int i = 0; i < points.length; i++) {
        byte[] eltKey = (Integer.toString(i) + name).getBytes(UTF_8);
        points[i] = Integer.toUnsignedLong(Murmur3.hash32(eltKey, 0, eltKey.length, 0));
      }
      return points;
    }

    @Override
    int positionBits() {
      return 32;
    }
  };

  /** Grouping-key mode cuts the position space into 2^this equal slots. Frozen: part of the placement contract. */
  public static final int GROUPING_KEY_SLOT_BITS = 20;
  /** Points per member in {@link #DYNAMIC_SHARDING} mode: dynamic-sharding's {@code numberOfReplicas}. */
  public static final int DYNAMIC_SHARDING_REPLICAS = 500;

  private final String configName;

  Placement(String configName) {
    this.configName = configName;
  }

  /** The name used in configuration ({@code placement.key}). */
  public String configName() {
    return configName;
  }

  public static Placement fromConfigName(String name) {
    for (Placement p : values()) if (p.configName.equals(name)) return p;
    throw new IllegalArgumentException("unknown placement " + name);
  }

  /** The ring position of a key under this placement (unsigned; 32 significant bits in dynamic-sharding mode). */
  public abstract long hash(GroupingKey key);

  private static final ByteHasher GROUPING_KEY_HASH = (b, off, len) -> XxHash64.hash(b, off, len, 0L);
  private static final ByteHasher DYNAMIC_SHARDING_HASH =
      (b, off, len) -> Integer.toUnsignedLong(Murmur3.hash32(b, off, len, 0));

  /**
   * The ring position of raw hash input: the canonical key bytes for {@link #GROUPING_KEY}, the
   * decoded path bytes for {@link #DYNAMIC_SHARDING}. No allocation.
   */
  public abstract long hash(byte[] input);

  /** The string whose byte-wise order is the insertion order of members on a point ring. */
  abstract String ringName(Member member);

  /** The lookup table of members sorted by id (no duplicate ids). */
  abstract LookupTable table(Member[] byId);

  /** The member's points, in positions of {@link #positionBits()} bits (point-ring placements). */
  long[] points(Member member) {
    throw new UnsupportedOperationException(configName + " has no ring points");
  }

  /** A ring of points: members inserted in {@link #insertionOrder()}, later ones winning equal points. */
  final LookupTable pointTable(Member[] byId, java.util.function.Function<Member, long[]> points) {
    Member[] inserted = byId.clone();
    Arrays.sort(inserted, insertionOrder());
    long[][] insertedPoints = new long[inserted.length][];
    int[] owner = new int[inserted.length];
    for (int i = 0; i < inserted.length; i++) {
      insertedPoints[i] = points.apply(inserted[i]);
      owner[i] = Arrays.binarySearch(byId, inserted[i]);
    }
    return TokenTable.build(insertedPoints, owner, positionBits());
  }

  /** Significant bits of a position: 64, or 32 for dynamic-sharding (point rings widen to 64 internally). */
  abstract int positionBits();

  /** Insertion order: ascending byte-wise (UTF-8) ring name, then id, so equal-point ties are deterministic. */
  Comparator<Member> insertionOrder() {
    return (a, b) -> {
      int c = Arrays.compareUnsigned(ringName(a).getBytes(UTF_8), ringName(b).getBytes(UTF_8));
      return c != 0 ? c : Arrays.compareUnsigned(a.id().getBytes(UTF_8), b.id().getBytes(UTF_8));
    };
  }

  /** A member's rendezvous key in grouping-key mode: XXH64, seed 0, of the UTF-8 id. */
  static long memberKey(Member member) {
    byte[] id = member.id().getBytes(UTF_8);
    return XxHash64.hash(id, 0, id.length, 0L);
  }
}
