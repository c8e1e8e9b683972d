package io.pushring.router;

import io.pushring.key.GroupingKey;
import io.pushring.metrics.HandoverMeters;
import io.pushring.proxy.GroupDeleter;
import io.pushring.proxy.GroupDeleter.Result;
import io.pushring.ring.FormerOwners;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.bus.GroupWriteGuard;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a router does, before a push goes on, about copies a ring change left behind: the first PUT
 * of a key whose owner changed in a recent ring change ({@code router.handover-window}) deletes the
 * group on its previous owner(s) that are still in the ring, so Prometheus never scrapes two copies
 * of it: a duplicate becomes at most a short gap. Once per key per change and router verticle
 * ({@link HandledKeys}, capped by {@code router.handover-max-keys}); previous owners no longer in
 * the ring (dead, departed) are not contacted; a DELETE that fails or times out
 * ({@code router.handover-timeout}) never fails the push: it is counted and the reconciler's pass
 * deletes the copy later.
 *
 * <p>A client's DELETE is sent to every other member of the ring first (copies may be anywhere
 * after several changes), each bounded by the same timeout; the client gets the owner's answer.
 *
 * <p>A POST is not preceded by a DELETE: it merges into the families the group already has, and
 * the previous copy may hold families the POST does not carry; deleting it would lose them. Its
 * old copy is left to the reconciler (counted as skipped).
 *
 * <p>Every client write of a moved key (a PUT first seen by this verticle since the change, a POST)
 * and every client DELETE is first marked in this instance's {@link GroupWriteGuard}, so that the
 * reconciler of this instance never reads the owner and writes the group there while the client's
 * write is on its way; the write waits if the reconciler is in the middle of one.
 *
 * <p>One per router verticle, confined to its event loop.
 */
final class Handover {
  private static final Logger LOG = LoggerFactory.getLogger(Handover.class);
  static final long WAIT_STEP_MILLIS = 2;
  /** How long a redirected client write is marked: a client follows a redirect at once; this covers a slow one. */
  static final long REDIRECT_HOLD_NANOS = 5_000_000_000L;
  static final String WAITED = "waited for this instance's reconciler to finish writing this group";

  private final GroupDeleter deleter;
  private final HandoverMeters meters;
  private final HandledKeys handled;
  private final FailureLog failures = new FailureLog(LOG, "DELETE of a moved key's previous copy");
  private final FailureLog fanoutFailures = new FailureLog(LOG, "a client's DELETE sent to another member");
  private long handledForVersion = -1;
  private final FallbackRings fallbackRings;
  private final Vertx vertx;
  /** This instance's reconciler's guard; null when it runs no reconciler (nothing to coordinate with). */
  private final GroupWriteGuard guard;
  private final long markHoldNanos;
  private final long maxWaitNanos;

  /**
   * @param guard         null when this instance runs no reconciler
   * @param markHoldNanos how long a proxied client write is marked at most (the longest it can take
   *                      to land: the handover DELETEs and the proxied push); released when answered
   * @param maxWaitNanos  how long a client write waits at most for the reconciler's write of its group
   */
  Handover(GroupDeleter deleter, HandoverMeters meters, int maxKeys, FallbackRings fallbackRings, Vertx vertx,
      GroupWriteGuard guard, long markHoldNanos, long maxWaitNanos) {
    this.fallbackRings = fallbackRings;
    this.vertx = vertx;
    this.guard = guard;
    this.markHoldNanos = markHoldNanos;
    this.maxWaitNanos = maxWaitNanos;
    this.deleter = deleter;
    this.meters = meters;
    this.handled = new HandledKeys(maxKeys);
  }

  /**
   * The DELETEs to wait for before the push of {@code key} goes on, completed with what to show in
   * the tap; null when there are none (the key did not move, a POST, already handled, over the
   * cap). In the steady state (no change within the window) this is one comparison.
   *
   * @param position the key's ring position ({@link Placement#hash}) under {@code table}'s ring
   * @param owner    the key's owner in {@code table}'s ring
   */
  Future<Prelude> before(HttpMethod method, GroupingKey key, long position, Member owner, RoutingTable table,
      boolean proxied) {
    if (method == HttpMethod.DELETE) {
      return afterMark(keyHash(key, position, table), proxied, () -> everyCopy(key, owner, table));
    }
    FormerOwners former = table.formerOwners();
    if (former.isEmpty()) return null;
    Member first = null;
    List<Member> more = null;
    boolean ownerLeft = false;   // a former owner no longer in the ring (scale-in, death): moved, nothing to DELETE
    for (int i = 0; i < former.size(); i++) {
      Member m = former.formerOwner(i, position);
      if (m == null) {
        ownerLeft = true;
        continue;
      }
      if (m == owner || m == first || (more != null && more.contains(m))) continue;
      if (first == null) {
        first = m;
      } else {
        if (more == null) more = new ArrayList<>(2);
        more.add(m);
      }
    }
    if (first == null && !ownerLeft) return null;
    long keyHash = keyHash(key, position, table);
    if (method == HttpMethod.POST) {
      if (first != null) meters.skippedPost();
      return afterMark(keyHash, proxied, () -> null);
    }
    if (table.version() != handledForVersion) {   // a new change: every key may have moved again
      handled.clear();
      handledForVersion = table.version();
    }
    switch (handled.add(keyHash)) {
      case KNOWN:
        return null;   // this verticle already sent a write of it to the owner since the change
      case FULL:
        if (first != null) meters.skippedCap();
        return afterMark(keyHash, proxied, () -> null);
      default:
        break;
    }
    if (first == null) return afterMark(keyHash, proxied, () -> null);
    Member only = first;
    List<Member> others = more;
    return afterMark(keyHash, proxied, () -> deletePrevious(key, only, others));
  }

  private static long keyHash(GroupingKey key, long position, RoutingTable table) {
    return table.ring().placement() == Placement.GROUPING_KEY ? position : Placement.GROUPING_KEY.hash(key);
  }

  private Future<String> deletePrevious(GroupingKey key, Member first, List<Member> more) {
    String path = key.base64Path();
    if (more == null) return deleter.delete(first, path).map(this::counted);
    List<Future<Result>> all = new ArrayList<>(1 + more.size());
    all.add(deleter.delete(first, path));
    for (Member m : more) all.add(deleter.delete(m, path));
    return Future.join(all).map(done -> {
      StringBuilder note = new StringBuilder();
      for (Future<Result> f : all) note.append(note.length() == 0 ? "" : ", ").append(counted(f.result()));
      return note.toString();
    });
  }

  /**
   * What was done before a client write goes on: the note for the tap (null: nothing to show), and
   * the write's mark in the {@link GroupWriteGuard} (null: none), to hand back to {@link #landed}
   * once the owner answered a proxied write.
   */
  record Prelude(String note, long keyHash, GroupWriteGuard.Mark mark) {}

  /**
   * Marks a client write of the group in this instance's {@link GroupWriteGuard} before
   * {@code then} sends anything, so that this instance's reconciler does not read-then-write the
   * group on its owner meanwhile. If the reconciler is writing it right now (one read and one
   * write), waits until it is done, checking every {@value #WAIT_STEP_MILLIS} ms, at most
   * {@code router.proxy-timeout}: the client's write then lands after the reconciler's. A proxied
   * write's mark is released when the owner answered ({@link #landed}), at the latest after
   * {@code router.handover-timeout} + {@code router.proxy-timeout}; a redirected client's write is
   * out of sight, so its mark is held {@link #REDIRECT_HOLD_NANOS}.
   *
   * @param then what to do once marked; may return null (nothing to wait for)
   * @return null when there is neither a mark nor anything to wait for
   */
  private Future<Prelude> afterMark(long keyHash, boolean proxied, Supplier<Future<String>> then) {
    long hold = proxied ? markHoldNanos : REDIRECT_HOLD_NANOS;
    if (guard == null) {
      Future<String> next = then.get();
      return next == null ? null : next.map(note -> new Prelude(note, keyHash, null));
    }
    GroupWriteGuard.Mark mark = guard.clientWrite(keyHash, hold);
    if (mark != null) {
      Future<String> next = then.get();
      return next == null ? Future.succeededFuture(new Prelude(null, keyHash, mark))
          : next.map(note -> new Prelude(note, keyHash, mark));
    }
    meters.waitedForReconciler();
    Promise<GroupWriteGuard.Mark> marked = Promise.promise();
    waitForReconciler(keyHash, hold, System.nanoTime() + maxWaitNanos, marked);
    return marked.future().compose(got -> {
      Future<String> next = then.get();
      return next == null ? Future.succeededFuture(new Prelude(WAITED, keyHash, got))
          : next.map(note -> new Prelude(WAITED + "; " + note, keyHash, got));
    });
  }

  private void waitForReconciler(long keyHash, long hold, long deadlineNanos, Promise<GroupWriteGuard.Mark> marked) {
    vertx.setTimer(WAIT_STEP_MILLIS, id -> {
      GroupWriteGuard.Mark mark = guard.clientWrite(keyHash, hold);
      if (mark != null) {
        marked.complete(mark);
      } else if (System.nanoTime() - deadlineNanos > 0) {
        failures.failed("the reconciler's write of a group", "still running after " + maxWaitNanos / 1_000_000
            + " ms: the client's write goes on");
        marked.complete(null);
      } else {
        waitForReconciler(keyHash, hold, deadlineNanos, marked);
      }
    });
  }

  /** A proxied client write marked by {@link #before} was answered by the owner (or failed): release its mark. */
  void landed(Prelude prelude) {
    if (prelude != null && prelude.mark() != null) guard.clientDone(prelude.keyHash(), prelude.mark());
  }

  /**
   * A client's DELETE reaches every copy: after several changes a group may have copies on any
   * member, so the DELETE goes to every member of the ring but the owner (which gets the client's
   * own request, and gives the client its answer). Failures are counted and logged, never answered.
   */
  private Future<String> everyCopy(GroupingKey key, Member owner, RoutingTable table) {
    List<Member> members = table.ring().members();
    if (members.size() < 2) return null;
    String path = key.base64Path();
    List<Future<Result>> all = new ArrayList<>(members.size() - 1);
    for (Member m : members) if (m != owner) all.add(deleter.delete(m, path));
    return Future.join(all).map(done -> {
      int ok = 0;
      for (Future<Result> f : all) {
        Result r = f.result();
        meters.fanoutDelete(r.outcome().ordinal());
        if (r.outcome() == GroupDeleter.Outcome.OK) {
          ok++;
          fanoutFailures.succeeded(r.member().address());
        } else {
          fanoutFailures.failed(r.member().address(), r.detail());
        }
      }
      return "DELETE sent to the " + all.size() + " other members: " + ok + " ok";
    });
  }

  /**
   * Where a proxied push of the key at {@code position} goes when {@code refused}, its owner in
   * {@code table}'s ring, refuses the connection: its owner in the ring without {@code refused}
   * (null when none is left). Counted as a fallback when there is one.
   */
  Future<Member> nextOwner(RoutingTable table, long position, Member refused) {
    return fallbackRings.without(table.ring(), refused).map(ring -> {
      Member next = ring == null ? null : ring.lookup(position);
      if (next != null) meters.fallback();
      return next;
    });
  }

  private String counted(Result r) {
    meters.handoverDelete(r.outcome().ordinal());
    String address = r.member().address();
    if (r.outcome() == GroupDeleter.Outcome.OK) {
      failures.succeeded(address);
    } else {
      failures.failed(address, r.detail());
    }
    return "handover: DELETE on previous owner " + r.member().id() + " " + r.outcome().label();
  }
}
