package io.pushring.router;

import io.pushring.key.GroupingKey;
import io.pushring.metrics.Decision;
import io.pushring.metrics.RequestMetrics;
import io.pushring.ring.Member;
import io.pushring.tap.TapEvent;
import io.pushring.tap.TapSwitch;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the push handler reports after each answer: the request counter always, a tap event only
 * while someone subscribes, an access-log line one request in {@code log.access-every} when asked.
 * One per router verticle, confined to its event loop.
 *
 * <p>Cost with no subscriber and no access log: {@link #start} is one volatile read, and each
 * report is a cached counter increment; nothing is allocated, timed or published. With subscribers
 * (any number): one {@link TapEvent} and one event-bus publish (address {@value TapSwitch#ADDRESS}) per request.
 */
final class RouteObserver {
  private static final Logger ACCESS = LoggerFactory.getLogger("pushring.access");
  /** {@link #start}'s answer when nothing but the counters is wanted. */
  static final long OFF = Long.MIN_VALUE;

  private final RequestMetrics metrics;
  private final TapSwitch tap;
  private final Supplier<RoutingTable> table;
  private final int accessEvery;
  private long accessCount;

  RouteObserver(RequestMetrics metrics, TapSwitch tap, Supplier<RoutingTable> table, int accessEvery) {
    this.metrics = metrics;
    this.tap = tap;
    this.table = table;
    this.accessEvery = accessEvery;
  }

  /** Called first thing per request: a start time when an event may be wanted, else {@link #OFF}. */
  long start() {
    return accessEvery > 0 || tap.active() ? System.nanoTime() : OFF;
  }

  /** The request went to {@code owner} of {@code current}'s ring. */
  void routed(HttpServerRequest req, Decision decision, int status, GroupingKey key, RoutingTable current,
      Member owner, long t0) {
    metrics.count(req.method(), status, decision, current.ring(), owner);
    if (t0 != OFF) event(req, decision, status, key, current.version(), owner, null, t0);
  }

  /** The same, with why redirect or proxy was chosen (router.mode / auto-mode rule), shown in the tap. */
  void routed(HttpServerRequest req, Decision decision, int status, GroupingKey key, RoutingTable current,
      Member owner, String reason, long t0) {
    metrics.count(req.method(), status, decision, current.ring(), owner);
    if (t0 != OFF) event(req, decision, status, key, current.version(), owner, reason, t0);
  }

  /** A proxied request took {@code nanos} from the start of forwarding to the end of its answer. */
  void proxied(RoutingTable current, Member owner, long nanos) {
    metrics.proxied(current.ring(), owner, nanos);
  }

  /** The request was answered without a member: rejected ({@code key} null if the path did not parse) or no ring. */
  void refused(HttpServerRequest req, Decision decision, int status, GroupingKey key, String reason, long t0) {
    metrics.count(req.method(), status, decision, null, null);
    if (t0 != OFF) event(req, decision, status, key, table.get().version(), null, reason, t0);
  }

  private void event(HttpServerRequest req, Decision decision, int status, GroupingKey key, long ringVersion,
      Member owner, String reason, long t0) {
    boolean publish = tap.active();
    boolean log = accessEvery > 0 && ++accessCount % accessEvery == 0;
    if (!publish && !log) return;
    long micros = (System.nanoTime() - t0) / 1_000;
    // Only what the router holds already: the printable key, the job and the JSON are the tap hub's work.
    TapEvent e = new TapEvent(System.currentTimeMillis(), req.method().name(), req.path(), key,
        owner == null ? null : owner.id(), owner == null ? null : owner.address(),
        decision.label(), status, ringVersion, micros, reason);
    if (publish) tap.publish(e);
    if (log) {
      ACCESS.info("{} {} {} {} member={} key={} ring=v{} {}us{}", e.method(), e.path(), e.status(), e.decision(),
          e.member() == null ? "-" : e.member(), e.key() == null ? "-" : e.key(), e.ringVersion(), e.micros(),
          reason == null ? "" : " -- " + reason);
    }
  }
}
