package io.pushring.reconcile;

import io.pushring.ring.Member;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * At most {@code perSecond} writes (PUT or DELETE) per Pushgateway: each write to a member waits
 * until {@code 1/perSecond} after the previous one to that member. A Pushgateway's push cost grows
 * with the groups it holds, so the reconciler must never compete with the clients' own pushes.
 *
 * <p>Reads are paced by what they cost: {@code GET /api/v1/metrics} lists every group of a
 * Pushgateway, and on one holding 7,500 groups it took 1.2 s of the Pushgateway's CPU and 3.7-11.5 s
 * to answer (9.9 MB; a write slot at the default rate is 50 ms). So after a read that took {@code d},
 * the member's next request waits until {@value #READ_WAIT_FACTOR} x {@code d} after it ended: the
 * reconciler's reads then occupy at most a fifth of a member's time, whatever its size, while a
 * small member (reads of milliseconds) is barely slowed. The wait falls on the member's next
 * request, never between a read and the write it guards (the owner's re-read before a PUT).
 * Used from the reconciler's single worker thread only: no locking.
 */
final class MemberPacer {
  interface Sleeper {
    void sleepNanos(long nanos) throws InterruptedException;
  }

  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;
  private final Map<Member, Long> next = new HashMap<>();
  /** After a read that took d, the member's next request waits this many times d. */
  static final int READ_WAIT_FACTOR = 4;

  /** A read of one member (a {@code GET /api/v1/metrics}). */
  interface Read<T> {
    T read() throws IOException;
  }

  MemberPacer(double perSecond, LongSupplier nanoTime, Sleeper sleeper) {
    if (!(perSecond > 0)) throw new IllegalArgumentException("rate must be positive: " + perSecond);
    this.intervalNanos = (long) (1e9 / perSecond);
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
  }

  static MemberPacer realTime(double perSecond) {
    return new MemberPacer(perSecond, System::nanoTime, nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
  }

  /**
   * Runs {@code read} of {@code member} now (no wait: the caller already waited, or it is the
   * pass's first request to it) and delays the member's next request by {@value #READ_WAIT_FACTOR}
   * times its duration.
   */
  <T> T timed(Member member, Read<T> read) throws IOException {
    long start = nanoTime.getAsLong();
    try {
      return read.read();
    } finally {
      charge(member, nanoTime.getAsLong() - start);
    }
  }

  /** A read's result and how long it took. */
  record Measured<T>(T value, long nanos) {}

  /** Runs {@code read} now and says how long it took, charging nothing yet: see {@link #charge}. */
  <T> Measured<T> measured(Read<T> read) throws IOException {
    long start = nanoTime.getAsLong();
    T value = read.read();
    return new Measured<>(value, nanoTime.getAsLong() - start);
  }

  /**
   * A read of {@code member} that took {@code nanos}: its next request waits until
   * {@value #READ_WAIT_FACTOR} times that from now (if that is later than its next slot).
   */
  void charge(Member member, long nanos) {
    long due = nanoTime.getAsLong() + READ_WAIT_FACTOR * Math.max(0, nanos);
    Long current = next.get(member);
    if (current == null || due - current > 0) next.put(member, due);
  }

  /** Waits for {@code member}'s next slot, then reads as {@link #timed}. */
  <T> T paced(Member member, Read<T> read) throws IOException, InterruptedException {
    acquire(member);
    return timed(member, read);
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
