package io.pushring.reconcile;

import io.pushring.ring.Member;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * At most {@code perSecond} writes (PUT or DELETE) per Pushgateway: each write to a member waits
 * until {@code 1/perSecond} after the previous one to that member. A Pushgateway's push cost grows
 * with the groups it holds, so the reconciler must never compete with the clients' own pushes. Used
 * from the reconciler's single worker thread only: no locking.
 */
final class MemberPacer {
  interface Sleeper {
    void sleepNanos(long nanos) throws InterruptedException;
  }

  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;
  private final Map<Member, Long> next = new HashMap<>();

  MemberPacer(double perSecond, LongSupplier nanoTime, Sleeper sleeper) {
    if (!(perSecond > 0)) throw new IllegalArgumentException("rate must be positive: " + perSecond);
    this.intervalNanos = (long) (1e9 / perSecond);
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
  }

  static MemberPacer realTime(double perSecond) {
    return new MemberPacer(perSecond, System::nanoTime, nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
  }

  /** Waits for {@code member}'s next write slot and takes it. */
  void acquire(Member member) throws InterruptedException {
    long now = nanoTime.getAsLong();
    Long due = next.get(member);
    if (due != null && due - now > 0) {
      sleeper.sleepNanos(due - now);
      now = due;
    }
    next.put(member, now + intervalNanos);
  }
}
