package io.pushring.router;

import io.pushring.ring.FormerOwners;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import java.time.Instant;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A ring plus what a router derives from it once, not per request: each member's base URL, and who
 * owned keys in the rings replaced within {@code router.handover-window} ({@link FormerOwners}).
 * Immutable; each router verticle swaps its own reference when the ring in the LocalMap is no
 * longer the one its table was built from (checked per request).
 */
final class RoutingTable {
  private final Ring ring;
  private final Map<Member, String> baseUrls;
  private final String scheme;
  private final Instant since;
  private final FormerOwners formerOwners;

  private RoutingTable(Ring ring, Map<Member, String> baseUrls, String scheme, Instant since, FormerOwners formerOwners) {
    this.ring = ring;
    this.baseUrls = baseUrls;
    this.scheme = scheme;
    this.since = since;
    this.formerOwners = formerOwners;
  }

  /** No ring yet: every push is answered 503. */
  static RoutingTable none() {
    return new RoutingTable(null, Map.of(), "http", Instant.now(), FormerOwners.none());
  }

  static RoutingTable of(Ring ring, String scheme) {
    return of(ring, scheme, FormerOwners.none());
  }

  static RoutingTable of(Ring ring, String scheme, FormerOwners formerOwners) {
    // Identity map: Ring.lookup returns the very Member instances of ring.members().
    Map<Member, String> urls = new IdentityHashMap<>();
    for (Member m : ring.members()) urls.put(m, scheme + "://" + m.address());
    return new RoutingTable(ring, urls, scheme, Instant.now(), formerOwners);
  }

  /** This table with other former owners (a previous ring aged out of the window). */
  RoutingTable withFormerOwners(FormerOwners formerOwners) {
    return new RoutingTable(ring, baseUrls, scheme, since, formerOwners);
  }

  /** Owners of keys in the rings replaced within the handover window; empty in the steady state. */
  FormerOwners formerOwners() { return formerOwners; }

  /** The ring, or null before the first one was published. */
  Ring ring() { return ring; }

  boolean hasMembers() { return ring != null && !ring.isEmpty(); }

  long version() { return ring == null ? 0 : ring.version(); }

  /** When this router instance started using this ring. */
  Instant since() { return since; }

  String baseUrl(Member member) {
    String url = baseUrls.get(member);
    // A Member equal to but not identical with the ring's own (not expected): build it, stay correct.
    return url != null ? url : scheme + "://" + member.address();
  }
}
