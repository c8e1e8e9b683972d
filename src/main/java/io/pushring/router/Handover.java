package io.pushring.router;

import io.pushring.key.GroupingKey;
import io.pushring.metrics.HandoverMeters;
import io.pushring.proxy.GroupDeleter;
import io.pushring.proxy.GroupDeleter.Result;
import io.pushring.ring.FormerOwners;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
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
 * <p>One per router verticle, confined to its event loop.
 */
final class Handover {
  private static final Logger LOG = LoggerFactory.getLogger(Handover.class);

  private final GroupDeleter deleter;
  private final HandoverMeters meters;
  private final HandledKeys handled;
  private final FailureLog failures = new FailureLog(LOG, "DELETE of a moved key's previous copy");
  private final FailureLog fanoutFailures = new FailureLog(LOG, "a client's DELETE sent to another member");
  private long handledForVersion = -1;
  private final FallbackRings fallbackRings;

  Handover(GroupDeleter deleter, HandoverMeters meters, int maxKeys, FallbackRings fallbackRings) {
    this.fallbackRings = fallbackRings;
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
  Future<String> before(HttpMethod method, GroupingKey key, long position, Member owner, RoutingTable table) {
    if (method == HttpMethod.DELETE) return everyCopy(key, owner, table);
    FormerOwners former = table.formerOwners();
    if (former.isEmpty()) return null;
    Member first = null;
    List<Member> more = null;
    for (int i = 0; i < former.size(); i++) {
      Member m = former.formerOwner(i, position);
      if (m == null || m == owner || m == first || (more != null && more.contains(m))) continue;
      if (first == null) {
        first = m;
      } else {
        if (more == null) more = new ArrayList<>(2);
        more.add(m);
      }
    }
    if (first == null) return null;
    if (method == HttpMethod.POST) {
      meters.skippedPost();
      return null;
    }
    if (table.version() != handledForVersion) {   // a new change: every key may have moved again
      handled.clear();
      handledForVersion = table.version();
    }
    long keyHash = table.ring().placement() == Placement.GROUPING_KEY ? position : Placement.GROUPING_KEY.hash(key);
    switch (handled.add(keyHash)) {
      case KNOWN:
        return null;
      case FULL:
        meters.skippedCap();
        return null;
      default:
        break;
    }
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
