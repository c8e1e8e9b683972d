package io.pushring.bus;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Keeps a client's write of a group and the reconciler's write of the same group on its owner from
 * interleaving, within one pushring instance.
 *
 * <p>Why: the Pushgateway has no conditional write. The reconciler reads the owner and, finding no
 * copy as new as the one it migrates, PUTs that copy there (or deletes the owner's stale copy); a
 * client push landing on the owner between that read and that write is replaced by an older value
 * (or deleted). A read-then-write against the Pushgateway cannot close that window; only the
 * writers can, by not writing a group at the same time. Every client write of a moved key passes
 * through a router, which marks it here before anything is sent ({@link #clientWrite}); the
 * reconciler takes the group for its read-then-write ({@link #tryReconcilerWrite}) only when no
 * client write is marked, and a client write that finds the reconciler's mark waits for
 * {@link #reconcilerDone} (one read and one write), then goes on: its value lands after the
 * reconciler's, so the newer value wins either way.
 *
 * <p>A proxied write's mark is removed when the owner answered (the write has landed: the
 * reconciler's own re-read of the owner sees it from then on), or at the latest when its hold ends.
 * A redirected client writes to the Pushgateway after the router answered, out of its sight: its
 * mark is simply held for a short time. Two client writes of one group in flight at once share
 * one mark, the later one's: if that one lands first, the other is unprotected for the rest of its
 * flight (a client does not push one group twice at once, and a router marks only a key's first
 * PUT after a change, its POSTs and DELETEs).
 *
 * <p>Scope, said plainly: this is one instance's memory (a Vert.x LocalMap). A client write that
 * passes through another pushring instance is not seen here; for it, the window between the
 * reconciler's re-read of the owner and its write stays open (of the order of one request).
 *
 * <p>Keys are 64-bit grouping-key hashes ({@code Placement.GROUPING_KEY.hash}); two keys sharing a
 * hash only make one wait for or skip the other once. Thread-safe: routers mark from their event
 * loops, the reconciler from its worker, through the map's atomic {@code compute}.
 */
public final class GroupWriteGuard {
  public static final String MAP = "pushring.group-writes";

  /** Who writes a group now; identity matters (a client mark is removed only by a later sweep). */
  public static final class Mark implements Shareable {
    static final Mark RECONCILER = new Mark(Long.MAX_VALUE);
    final long untilNanos;

    private Mark(long untilNanos) {
      this.untilNanos = untilNanos;
    }

    boolean isClient() {
      return this != RECONCILER;
    }

    boolean heldAt(long nowNanos) {
      return this == RECONCILER || untilNanos - nowNanos > 0;
    }
  }

  private final Map<Long, Mark> marks;
  private final LongSupplier nanoClock;

  /** @param marks a concurrent map (a Vert.x LocalMap, a ConcurrentHashMap in tests) */
  public GroupWriteGuard(Map<Long, Mark> marks, LongSupplier nanoClock) {
    this.marks = marks;
    this.nanoClock = nanoClock;
  }

  /** A guard of its own (tests; an instance without a reconciler has none). */
  public static GroupWriteGuard inMemory(LongSupplier nanoClock) {
    return new GroupWriteGuard(new ConcurrentHashMap<>(), nanoClock);
  }

  /** This instance's guard, shared by its routers and its reconciler. */
  public static GroupWriteGuard of(Vertx vertx) {
    return new GroupWriteGuard(vertx.sharedData().getLocalMap(MAP), System::nanoTime);
  }

  /**
   * A client write of {@code key} is about to be sent (or redirected): marks it for
   * {@code holdNanos}, unless the reconciler is writing the group now.
   *
   * @return the mark, to pass to {@link #clientDone} once the write is known to have landed (a
   *         proxied write); null when the reconciler holds the group: call again later
   */
  public Mark clientWrite(long key, long holdNanos) {
    long now = nanoClock.getAsLong();
    Mark mine = new Mark(now + holdNanos);
    Mark result = marks.compute(key, (k, current) -> current == Mark.RECONCILER ? current : mine);
    return result == Mark.RECONCILER ? null : mine;
  }

  /**
   * The client write that got {@code mark} has landed (or failed): the reconciler's re-read of the
   * owner sees it from now on. Removes the mark unless a later client write replaced it.
   */
  public void clientDone(long key, Mark mark) {
    marks.remove(key, mark);
  }

  /**
   * The reconciler is about to read the owner and write the group there: takes the group unless a
   * client write of it is marked and still held.
   *
   * @return true when taken (call {@link #reconcilerDone} after the write, in every case)
   */
  public boolean tryReconcilerWrite(long key) {
    long now = nanoClock.getAsLong();
    Mark result = marks.compute(key, (k, current) -> current == null || !current.heldAt(now) ? Mark.RECONCILER : current);
    return result == Mark.RECONCILER;
  }

  /** The reconciler's write of the group is over (done or failed): client writes may go on. */
  public void reconcilerDone(long key) {
    marks.remove(key, Mark.RECONCILER);
  }

  /** Whether the reconciler holds the group now (a waiting client write polls this). */
  public boolean reconcilerHolds(long key) {
    return marks.get(key) == Mark.RECONCILER;
  }

  /** Removes client marks no longer held; returns how many are left (every kind). */
  public int sweep() {
    long now = nanoClock.getAsLong();
    // Collected first: a LocalMap's entry views are copies, not the map.
    List<Map.Entry<Long, Mark>> expired = new ArrayList<>();
    marks.forEach((k, m) -> {
      if (m.isClient() && !m.heldAt(now)) expired.add(Map.entry(k, m));
    });
    for (Map.Entry<Long, Mark> e : expired) marks.remove(e.getKey(), e.getValue());
    return marks.size();
  }
}
