package io.pushring.bus;

import io.pushring.ring.Ring;
import io.vertx.core.shareddata.Shareable;
import java.util.ArrayList;
import java.util.List;

/**
 * The rings that were current before the current one, newest first, each with the moment it was
 * replaced ({@link System#nanoTime()}): how a router learns where a key lived before its owner
 * changed. Immutable and Shareable (held by reference in the LocalMap); at most {@value #KEPT}
 * rings, whatever their age, so a flapping member cannot grow it. Readers decide which are recent
 * enough ({@code router.handover-window}).
 */
public final class RingHistory implements Shareable {
  /** Previous rings kept. Several changes within a window are rare (a kill then a return is two). */
  public static final int KEPT = 8;

  private static final RingHistory EMPTY = new RingHistory(List.of());

  /** @param replacedAtNanos when {@code ring} stopped being current ({@link System#nanoTime()}) */
  public record Replaced(Ring ring, long replacedAtNanos) {}

  private final List<Replaced> rings;

  private RingHistory(List<Replaced> rings) {
    this.rings = rings;
  }

  public static RingHistory empty() {
    return EMPTY;
  }

  /** This history with {@code ring} replaced at {@code nanos} in front, the oldest dropped beyond {@value #KEPT}. */
  public RingHistory with(Ring ring, long nanos) {
    if (ring == null) return this;
    List<Replaced> next = new ArrayList<>(KEPT);
    next.add(new Replaced(ring, nanos));
    for (Replaced r : rings) {
      if (next.size() == KEPT) break;
      next.add(r);
    }
    return new RingHistory(List.copyOf(next));
  }

  /** Newest first. */
  public List<Replaced> rings() {
    return rings;
  }

  /**
   * The previous rings of {@code current} replaced at or after {@code sinceNanos}, newest first:
   * older versions only (a ring republished late is not its own predecessor).
   */
  public List<Ring> since(Ring current, long sinceNanos) {
    List<Ring> out = new ArrayList<>();
    for (Replaced r : rings) {
      if (r.replacedAtNanos() - sinceNanos < 0) break;   // newest first: the rest are older
      if (r.ring().version() < current.version()) out.add(r.ring());
    }
    return out;
  }

  /** The earliest replacement time among {@code rings} at or after {@code sinceNanos}, or {@code fallback}. */
  public long oldestSince(long sinceNanos, long fallback) {
    long oldest = fallback;
    for (Replaced r : rings) {
      if (r.replacedAtNanos() - sinceNanos < 0) break;
      oldest = r.replacedAtNanos();
    }
    return oldest;
  }
}
