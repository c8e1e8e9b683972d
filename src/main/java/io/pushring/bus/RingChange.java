package io.pushring.bus;

import io.pushring.ring.Ring;
import io.pushring.ring.RingDiff;
import io.vertx.core.shareddata.Shareable;

/**
 * The announcement on {@value RingPublisher#ADDRESS}: the ring that was current and the one that
 * is now. Both are immutable and travel by reference (local codec), so a consumer can work out
 * what moved ({@link #diff()}) or compare placements key by key without asking anyone.
 *
 * @param previous the ring before, null for the first ring
 * @param current  the ring now in the LocalMap
 */
public record RingChange(Ring previous, Ring current) implements Shareable {
  public RingDiff diff() {
    return RingDiff.of(previous, current);
  }
}
