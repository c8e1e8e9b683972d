package io.pushring.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import io.netty.util.collection.IntObjectHashMap;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.vertx.core.http.HttpMethod;
import java.util.IdentityHashMap;

/**
 * {@code pushring_requests_total{method,code,decision,member}} for one router verticle: confined to
 * its event loop, so the caches need no locking. Counters are looked up once per (method, code,
 * decision, member) and cached; a request then costs an identity-map probe, an int-map probe and an
 * increment, and allocates nothing.
 *
 * <p>Members change with the ring, so the per-member cache is per ring: a new ring (another instance)
 * starts a new cache. Counters of members that left stay registered (other routers share them) and
 * keep their last value; the label set stays bounded by the fleet's history, never by clients:
 * method is one of 8 values, code a 3-digit status, member a ring member id or {@value #NO_MEMBER}.
 */
public final class RequestMetrics {
  public static final String NAME = "pushring.requests";
  /** The member label of requests no member was chosen for (rejected, or no ring). */
  public static final String NO_MEMBER = "none";

  private final MeterRegistry registry;
  private Ring cachedRing;
  private IdentityHashMap<Member, IntObjectHashMap<Counter>> byMember = new IdentityHashMap<>();
  private final IntObjectHashMap<Counter> unrouted = new IntObjectHashMap<>();
  private Ring timedRing;
  private IdentityHashMap<Member, Timer> proxyTimers = new IdentityHashMap<>();

  /** Buckets of {@value #PROXY_NAME}: a Pushgateway answers a push in a millisecond or, holding many groups, seconds. */
  static final Duration[] PROXY_BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};
  public static final String PROXY_NAME = "pushring.proxy.duration";

  public RequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * Counts one request.
   *
   * @param ring   the ring {@code member} came from (null when none)
   * @param member the chosen member, or null when the request was not routed
   */
  public void count(HttpMethod method, int status, Decision decision, Ring ring, Member member) {
    int slot = MethodLabel.slot(method);
    int key = (decision.ordinal() * MethodLabel.COUNT + slot) * 1000 + (status >= 0 && status < 1000 ? status : 999);
    IntObjectHashMap<Counter> counters;
    if (member == null) {
      counters = unrouted;
    } else {
      if (ring != cachedRing) {
        cachedRing = ring;
        byMember = new IdentityHashMap<>();
      }
      counters = byMember.get(member);
      if (counters == null) {
        counters = new IntObjectHashMap<>();
        byMember.put(member, counters);
      }
    }
    Counter c = counters.get(key);
    if (c == null) {
      c = register(MethodLabel.NAMES[slot], status, decision, member == null ? NO_MEMBER : member.id());
      counters.put(key, c);
    }
    c.increment();
  }

  /**
   * {@code pushring_proxy_duration_seconds{member}}: a histogram of proxied requests, from the start
   * of forwarding to the end of the answer (upstream time plus streaming both bodies). Timers are
   * cached per ring like the counters.
   */
  public void proxied(Ring ring, Member member, long nanos) {
    if (ring != timedRing) {
      timedRing = ring;
      proxyTimers = new IdentityHashMap<>();
    }
    Timer timer = proxyTimers.get(member);
    if (timer == null) {
      timer = Timer.builder(PROXY_NAME)
          .description("Proxied pushes, from forwarding to the end of the answer, by ring member")
          .tag("member", member.id())
          .serviceLevelObjectives(PROXY_BUCKETS)
          .register(registry);
      proxyTimers.put(member, timer);
    }
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  private Counter register(String method, int status, Decision decision, String member) {
    return Counter.builder(NAME)
        .description("Requests on the push API by method, response code, decision and ring member")
        .tag("method", method)
        .tag("code", Integer.toString(status))
        .tag("decision", decision.label())
        .tag("member", member)
        .register(registry);
  }
}
