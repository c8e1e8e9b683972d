package io.pushring.ring;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.pushring.hash.XxHash64;
import io.pushring.key.GroupingKey;
import io.vertx.core.shareddata.Shareable;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * An immutable consistent-hash ring over a set of members. Shareable: held by reference in the
 * Vert.x LocalMap, never copied. The same member set, in any order, yields the same placement.
 *
 * <p>Pure Java: built once per membership change, then read concurrently by every router without
 * locks. {@link #lookup} and {@link #route} allocate nothing (one array read in grouping-key mode, a
 * prefix-indexed search in dynamic-sharding mode). Building is not free: a grouping-key ring of n
 * members scores 2^20 x n slots (tens to hundreds of milliseconds; figures in the README), so build
 * on a worker thread, never on an event loop, and rebuild with {@link #withMembers}, which reuses
 * the previous table and rescores only what the change can move.
 */
public final class Ring implements Shareable {
  private final Placement placement;
  private final long version;
  private final Member[] members; // sorted by id; token owners index into it
  private final List<Member> memberList;
  private final LookupTable table;
  private final double[] shares;
  private final int[] tokenCounts;
  private final String fingerprint;

  private Ring(Placement placement, long version, Member[] members, LookupTable table,
      double[] shares, int[] tokenCounts, String fingerprint) {
    this.placement = placement;
    this.version = version;
    this.members = members;
    this.memberList = List.of(members);
    this.table = table;
    this.shares = shares;
    this.tokenCounts = tokenCounts;
    this.fingerprint = fingerprint;
  }

  /**
   * The ring of {@code members} under {@code placement}.
   *
   * @throws IllegalArgumentException if two members share an id
   */
  public static Ring build(Placement placement, Collection<Member> members, long version) {
    Objects.requireNonNull(placement, "placement");
    Member[] byId = sortedById(members);
    return of(placement, version, byId, placement.table(byId));
  }

  /**
   * A ring of injected points (placement positions: 32-bit for dynamic-sharding, 64-bit otherwise),
   * so tests can construct collisions, wraps and boundaries by hand. Insertion order and the
   * equal-point rule are the placement's.
   */
  static Ring ofPoints(Placement placement, Collection<Member> members, long version, Function<Member, long[]> points) {
    Objects.requireNonNull(placement, "placement");
    Member[] byId = sortedById(members);
    return of(placement, version, byId, placement.pointTable(byId, points));
  }

  private static Member[] sortedById(Collection<Member> members) {
    Member[] sorted = members.toArray(new Member[0]);
    for (Member m : sorted) Objects.requireNonNull(m, "member");
    Arrays.sort(sorted);
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i].id().equals(sorted[i - 1].id())) {
        throw new IllegalArgumentException("duplicate member id " + sorted[i].id());
      }
    }
    return sorted;
  }

  private static Ring of(Placement placement, long version, Member[] byId, LookupTable table) {
    return new Ring(placement, version, byId, table, table.shares(byId.length),
        table.entryCounts(byId.length), fingerprint(placement, byId, table));
  }

  /**
   * The ring of {@code members} under this ring's placement: exactly what {@link #build} returns, but
   * in grouping-key mode it reuses this ring's table, so a change of one member costs a few
   * milliseconds instead of about one per member. Use it for every rebuild after the first.
   *
   * @throws IllegalArgumentException if two members share an id
   */
  public Ring withMembers(Collection<Member> members, long version) {
    Member[] byId = sortedById(members);
    if (!(table instanceof SlotTable old) || placement != Placement.GROUPING_KEY || this.members.length == 0) {
      return of(placement, version, byId, placement.table(byId));
    }
    long[] newKeys = new long[byId.length];
    for (int i = 0; i < byId.length; i++) newKeys[i] = Placement.memberKey(byId[i]);
    // A member's slots depend on its id only: match old and new members by id.
    int[] oldToNew = new int[this.members.length];
    boolean[] isOld = new boolean[byId.length];
    for (int i = 0, j = 0; i < this.members.length; i++) {
      while (j < byId.length && byId[j].id().compareTo(this.members[i].id()) < 0) j++;
      boolean kept = j < byId.length && byId[j].id().equals(this.members[i].id());
      oldToNew[i] = kept ? j : -1;
      if (kept) isOld[j] = true;
    }
    int[] added = java.util.stream.IntStream.range(0, byId.length).filter(j -> !isOld[j]).toArray();
    return of(placement, version, byId,
        SlotTable.rebuild(old, oldToNew, newKeys, added, Placement.GROUPING_KEY_SLOT_BITS));
  }

  public static Ring empty(Placement placement, long version) {
    return build(placement, List.of(), version);
  }

  public Placement placement() {
    return placement;
  }

  public long version() {
    return version;
  }

  /** Members sorted by id. */
  public List<Member> members() {
    return memberList;
  }

  public boolean isEmpty() {
    return members.length == 0;
  }

  public int size() {
    return members.length;
  }

  /**
   * Owner of a ring position (as returned by {@link Placement#hash}); null when the ring is empty.
   * The owner of the smallest point strictly greater than {@code hash}, else of the smallest point.
   * No allocation.
   */
  public Member lookup(long hash) {
    int owner = table.ownerOf(hash);
    return owner < 0 ? null : members[owner];
  }

  /** Index in {@link #members()} of the owner of a ring position; -1 when the ring is empty. No allocation. */
  int ownerIndex(long hash) {
    return table.ownerOf(hash);
  }

  /** Owner of a key under this ring's placement; null when empty. */
  public Member route(GroupingKey key) {
    return lookup(placement.hash(key));
  }

  /** Fraction of the hash space owned by each member, in {@link #members()} order (sums to 1 unless empty). */
  public double[] shares() {
    return shares.clone();
  }

  /**
   * Lookup entries each member owns, in {@link #members()} order: slots of the 2^20 in grouping-key
   * mode (Envoy Maglev's entries per host), points left after equal points are resolved in
   * dynamic-sharding mode.
   */
  public int[] tokenCounts() {
    return tokenCounts.clone();
  }

  /** Fewest entries owned by a member (0 when empty): a member far below the others owns too little. */
  public int minTokens() {
    return Arrays.stream(tokenCounts).min().orElse(0);
  }

  public int maxTokens() {
    return Arrays.stream(tokenCounts).max().orElse(0);
  }

  /** Lookup entries: 2^20 slots in grouping-key mode (0 when empty), distinct points in dynamic-sharding mode. */
  public int totalTokens() {
    return table.size();
  }

  /**
   * Largest share over the mean share (1.0 = perfect balance; 0 when empty): the load of the busiest
   * member relative to an even split.
   */
  public double maxOverMeanShare() {
    if (members.length == 0) return 0.0;
    return Arrays.stream(shares).max().orElse(0) * members.length;
  }

  /**
   * A stable hex digest of the placement, the members (ids, hosts, ports) and the resulting points:
   * identical on every pushring instance (and version) that would route every key identically, so
   * operators can compare instances at a glance. The version is not part of it.
   */
  public String fingerprint() {
    return fingerprint;
  }

  /** Same placement and same member set (ids, hosts, ports)? Then a rebuild would change nothing. */
  public boolean sameMembers(Ring other) {
    return other != null && placement == other.placement && Arrays.equals(members, other.members);
  }

  /** A new ring with the same lookup structure and another version (no rebuild). */
  public Ring withVersion(long version) {
    return new Ring(placement, version, members, table, shares, tokenCounts, fingerprint);
  }

  /** Points of a point ring as placement positions, ascending (tests and diagnostics). */
  long[] positions() {
    TokenTable tokens = (TokenTable) table;
    long[] p = new long[tokens.size()];
    for (int i = 0; i < p.length; i++) p[i] = tokens.position(i);
    return p;
  }

  @Override
  public String toString() {
    return "Ring{" + placement.configName() + ", version=" + version + ", members=" + members.length
        + ", tokens=" + table.size() + ", fingerprint=" + fingerprint + "}";
  }

  private static String fingerprint(Placement placement, Member[] members, LookupTable table) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeString(out, "pushring-ring/1");
    writeString(out, placement.configName());
    for (Member m : members) {
      writeString(out, m.id());
      writeString(out, m.host());
      writeString(out, Integer.toString(m.port()));
    }
    byte[] bytes = out.toByteArray();
    return String.format("%016x", XxHash64.hash(bytes, 0, bytes.length, table.digest()));
  }

  /** Length-prefixed, so no choice of ids can make two member lists serialise alike. */
  private static void writeString(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(UTF_8);
    out.write(b.length >>> 24);
    out.write(b.length >>> 16);
    out.write(b.length >>> 8);
    out.write(b.length);
    out.write(b, 0, b.length);
  }
}
