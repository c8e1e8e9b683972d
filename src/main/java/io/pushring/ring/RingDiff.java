package io.pushring.ring;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a ring change moved: each member's share of the key space before and after, the members
 * added and removed. Pure and immutable; what the tap's {@code ring} event and the status page show.
 *
 * @param fromVersion version of the previous ring, 0 when there was none
 * @param toVersion   version of the new ring
 * @param shifts      one per member of either ring, sorted by id
 */
public record RingDiff(long fromVersion, long toVersion, List<Shift> shifts) {
  public RingDiff {
    shifts = List.copyOf(shifts);
  }

  /**
   * One member's share before and after (0 when absent from that ring).
   *
   * @param address {@code host:port} in the new ring, else in the previous one
   */
  public record Shift(String id, String address, double before, double after) {
    public boolean added() { return before == 0 && after > 0; }

    public boolean removed() { return before > 0 && after == 0; }
  }

  /** The change from {@code previous} (null: none yet) to {@code current}. */
  public static RingDiff of(Ring previous, Ring current) {
    Map<String, double[]> shares = new TreeMap<>();
    Map<String, String> addresses = new TreeMap<>();
    if (previous != null) collect(previous, 0, shares, addresses);
    collect(current, 1, shares, addresses);
    List<Shift> shifts = new ArrayList<>(shares.size());
    shares.forEach((id, s) -> shifts.add(new Shift(id, addresses.get(id), s[0], s[1])));
    return new RingDiff(previous == null ? 0 : previous.version(), current.version(), shifts);
  }

  private static void collect(Ring ring, int column, Map<String, double[]> shares, Map<String, String> addresses) {
    double[] s = ring.shares();
    List<Member> members = ring.members();
    for (int i = 0; i < members.size(); i++) {
      Member m = members.get(i);
      shares.computeIfAbsent(m.id(), k -> new double[2])[column] = s[i];
      addresses.put(m.id(), m.address());   // the new ring's address wins (collected last)
    }
  }

  public List<String> added() {
    return shifts.stream().filter(Shift::added).map(Shift::id).toList();
  }

  public List<String> removed() {
    return shifts.stream().filter(Shift::removed).map(Shift::id).toList();
  }

  /**
   * The share of the key space whose owner changed, as far as the shares tell: the sum of the
   * gains. Exact when keys move only to members that gain (grouping-key placement: a removed
   * member's keys go to the others, an added member takes only what it wins); a lower bound when a
   * change also trades keys between members whose shares stay level.
   */
  public double moved() {
    double gained = 0;
    for (Shift s : shifts) if (s.after > s.before) gained += s.after - s.before;
    return gained;
  }
}
