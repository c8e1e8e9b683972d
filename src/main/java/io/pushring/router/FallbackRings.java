package io.pushring.router;

import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ring without one member, per member that refused a connection: where its keys go once it
 * leaves the ring, i.e. where a proxied push goes when the owner refuses it. Built off the event
 * loop ({@link Ring#withMembers}: a few milliseconds in grouping-key mode, which rescores only the
 * refusing member's slots) once per refusing member and ring, then reused for every push until the
 * next ring; dropped with it. One per router verticle, confined to its event loop.
 */
final class FallbackRings {
  private final Vertx vertx;
  private Ring builtFor;
  private final Map<String, Future<Ring>> withoutMember = new HashMap<>();

  FallbackRings(Vertx vertx) {
    this.vertx = vertx;
  }

  /** {@code ring} without {@code refused}; completed with null when no member would be left. */
  Future<Ring> without(Ring ring, Member refused) {
    if (ring != builtFor) {
      withoutMember.clear();
      builtFor = ring;
    }
    Future<Ring> known = withoutMember.get(refused.id());
    if (known != null) return known;
    List<Member> rest = new ArrayList<>(ring.members());
    rest.removeIf(m -> m.id().equals(refused.id()));
    Future<Ring> derived = rest.isEmpty() || rest.size() == ring.size()
        ? Future.succeededFuture(null)
        : vertx.executeBlocking(() -> ring.withMembers(rest, ring.version()), false);
    withoutMember.put(refused.id(), derived);
    return derived;
  }
}
