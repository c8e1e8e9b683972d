package io.pushring.discovery;

import io.pushring.bus.DiscoveryStatus;
import io.pushring.bus.RingPublisher;
import io.pushring.config.PushringConfig;
import io.pushring.consul.Backoff;
import io.pushring.consul.BlockingIndex;
import io.pushring.consul.ConsulSettings;
import io.pushring.consul.TokenBucket;
import io.pushring.metrics.PushringMetrics;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.ext.consul.BlockingQueryOptions;
import io.vertx.ext.consul.ConsulClient;
import io.vertx.ext.consul.ServiceEntry;
import io.vertx.ext.consul.ServiceEntryList;
import io.vertx.ext.consul.ServiceQueryOptions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code discovery.mode: consul}: a blocking-query loop on {@code /v1/health/service/<service>?passing}
 * that publishes a new ring whenever the set of passing Pushgateways changes.
 *
 * <p>Our own loop rather than the client's {@code Watch}: the Watch queries without {@code passing},
 * uses its timeout as the blocking wait (so it times out on nearly every poll, Consul adding up to
 * wait/16 of jitter), never resets a backwards index, and backs off quadratically to three minutes.
 * Here: {@link BlockingIndex} for the index rules, a {@link TokenBucket} (burst 2) in front of every
 * query, {@link Backoff} with jitter on errors, an HTTP timeout above wait + wait/16, and one log
 * line per state change. On errors the last ring stays in service: routing never stops because
 * Consul is away.
 */
public final class ConsulDiscoveryVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ConsulDiscoveryVerticle.class);
  /**
   * Consul's "Blocking Queries" advice: a token bucket with a burst of 2; refilled at 1 query/s.
   * Public, with {@link #BACKOFF}, so tests derive their request-count bounds from the real values.
   */
  public static final int BUCKET_BURST = 2;
  public static final double BUCKET_PER_SECOND = 1.0;
  public static final Backoff BACKOFF = new Backoff(250, 10_000);
  /** How long start-up waits for the first answer before routers start (with no ring: 503s). */
  static final long FIRST_ANSWER_MILLIS = 5_000;

  private final ConsulSettings settings;
  private final Placement placement;
  private final boolean keepLastWhenEmpty;
  private final PushringMetrics metrics;

  private ConsulClient consul;
  private TokenBucket bucket;
  private BlockingIndex index = BlockingIndex.NONE;
  private Ring current;
  private long version;
  private int failures;
  private long lastSuccessMillis;
  private String lastError = "";
  private boolean emptyWarned;
  private boolean stopped;
  private long timer = -1;
  private Promise<Void> firstAnswer;

  public ConsulDiscoveryVerticle(PushringConfig config, PushringMetrics metrics) {
    this.settings = ConsulSettings.from(config);
    this.placement = Placement.fromConfigName(config.placement().key().configName());
    this.keepLastWhenEmpty = config.discovery().keepLastWhenEmpty();
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    consul = ConsulClient.create(vertx, settings.clientOptions());
    bucket = new TokenBucket(BUCKET_BURST, BUCKET_PER_SECOND, System.nanoTime());
    firstAnswer = Promise.promise();
    status("starting");
    LOG.info("watching Consul {}://{} service '{}' (passing only, wait {})",
        settings.scheme(), settings.address(), settings.service(), settings.waitParameter());
    poll();
    // Start (and let the routers start) once Consul answered, or after a bound: routers answer
    // 503 until a ring arrives, which is better than not listening at all.
    return firstAnswer.future().timeout(FIRST_ANSWER_MILLIS, TimeUnit.MILLISECONDS).otherwiseEmpty();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timer >= 0) vertx.cancelTimer(timer);
    consul.close();
    return Future.succeededFuture();
  }

  private void poll() {
    timer = -1;
    if (stopped) return;
    long waitNanos = bucket.tryTake(System.nanoTime());
    if (waitNanos > 0) {
      later(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)));
      return;
    }
    ServiceQueryOptions query = new ServiceQueryOptions();
    // After a failure the first query does not block: it answers at once, so the status turns "ok"
    // as soon as Consul is back, not up to a whole wait later (what changed meanwhile comes with it).
    if (index.blocks() && failures == 0) {
      query.setBlockingOptions(new BlockingQueryOptions().setIndex(index.value()).setWait(settings.waitParameter()));
    }
    consul.healthServiceNodesWithOptions(settings.service(), true, query).onComplete(ar -> {
      if (stopped) return;
      if (ar.succeeded()) answered(ar.result());
      else failed(ar.cause());
      firstAnswer.tryComplete();
    });
  }

  private void answered(ServiceEntryList answer) {
    long returned = answer.getIndex();
    if (index.classify(returned) == BlockingIndex.Outcome.RESET) {
      LOG.info("Consul index went backwards ({} -> {}): starting over with a fresh query", index.value(), returned);
    }
    index = index.next(returned);
    if (failures > 0) LOG.info("Consul answers again after {} failed queries", failures);
    failures = 0;
    lastError = "";
    lastSuccessMillis = System.currentTimeMillis();
    List<Member> members = members(answer.getList());
    if (members.isEmpty() && keepLastWhenEmpty && current != null && !current.isEmpty()) {
      if (!emptyWarned) {
        LOG.warn("no passing '{}' instance in Consul: keeping ring v{} ({} members) (discovery.on-empty: keep-last)",
            settings.service(), current.version(), current.members().size());
        emptyWarned = true;
      }
      status("ok");
      poll();
      return;
    }
    emptyWarned = false;
    if (current != null && current.members().equals(members)) {
      status("ok");
      poll();
      return;
    }
    long next = ++version;
    Ring previous = current;
    // A first build costs up to a few hundred ms at 100 members (withMembers: ~10 ms): off the event loop.
    vertx.executeBlocking(() -> previous == null ? Ring.build(placement, members, next) : previous.withMembers(members, next))
        .onComplete(built -> {
      if (stopped) return;
      if (built.succeeded()) {
        Ring ring = built.result();
        LOG.info("ring v{}: {} members {} (was {})", ring.version(), ring.members().size(), ids(ring.members()),
            current == null ? "none" : ids(current.members()));
        current = ring;
        RingPublisher.publish(vertx, ring);
      } else {
        LOG.error("could not build a ring from {}: {}", members, built.cause().toString());
      }
      status("ok");
      poll();
    });
  }

  private void failed(Throwable cause) {
    failures++;
    metrics.discoveryError();
    lastError = String.valueOf(cause.getMessage());
    if (failures == 1) {
      LOG.warn("Consul query failed, keeping ring v{} and retrying with backoff: {}",
          current == null ? 0 : current.version(), cause.toString());
    }
    status("failing");
    later(BACKOFF.delayMillis(failures, ThreadLocalRandom.current()::nextDouble));
  }

  private void later(long millis) {
    timer = vertx.setTimer(millis, t -> poll());
  }

  private void status(String state) {
    DiscoveryStatus.publish(vertx,
        new DiscoveryStatus("consul", state, lastSuccessMillis, failures, lastError, index.value()));
  }

  /**
   * Passing entries to members, sorted by id. Identity is the service ID; the address is the
   * service address, else the node address (Consul's own rule, and Prometheus's). The same ID on
   * two agents (each pushring registering through its own agent) is one member: the entry of the
   * smallest node name wins, so every instance picks the same.
   */
  static List<Member> members(List<ServiceEntry> entries) {
    List<ServiceEntry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing(e -> e.getNode() == null || e.getNode().getName() == null ? "" : e.getNode().getName()));
    Map<String, Member> byId = new LinkedHashMap<>();
    for (ServiceEntry entry : sorted) {
      var service = entry.getService();
      String address = service.getAddress();
      if (address == null || address.isEmpty()) address = entry.getNode() == null ? null : entry.getNode().getAddress();
      if (address == null || address.isEmpty() || service.getPort() <= 0) continue;
      String id = service.getId() == null || service.getId().isEmpty() ? service.getName() : service.getId();
      byId.putIfAbsent(id, new Member(id, address, service.getPort()));
    }
    List<Member> members = new ArrayList<>(byId.values());
    members.sort(null);
    return members;
  }

  private static List<String> ids(List<Member> members) {
    return members.stream().map(Member::id).toList();
  }
}
