package io.pushring.discovery;

import io.pushring.bus.DiscoveryStatus;
import io.pushring.bus.RingPublisher;
import io.pushring.config.PushringConfig;
import io.pushring.consul.Backoff;
import io.pushring.consul.BlockingIndex;
import io.pushring.consul.ConsulAcl;
import io.pushring.consul.ConsulApi;
import io.pushring.consul.ConsulLink;
import io.pushring.consul.ConsulSettings;
import io.pushring.consul.TokenBucket;
import io.pushring.metrics.PushringMetrics;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.consul.Node;
import io.vertx.ext.consul.Service;
import io.vertx.ext.consul.ServiceEntry;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
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
 * Consul is away, nor because it refuses the token ({@code 403}: the error names the ACL rules
 * discovery needs, {@link ConsulAcl}).
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

  private final ConsulLink link;
  private ConsulApi consul;
  private TokenBucket bucket;
  private BlockingIndex index = BlockingIndex.NONE;
  private Ring current;
  private long version;
  private int failures;
  private long lastSuccessMillis;
  private String lastError = "";
  private boolean emptyWarned;
  private boolean hiddenWarned;
  private long emptySinceMillis = -1;
  private boolean stopped;
  private long timer = -1;
  private Promise<Void> firstAnswer;

  public ConsulDiscoveryVerticle(PushringConfig config, ConsulLink link, PushringMetrics metrics) {
    this.link = link;
    this.settings = link.settings();
    this.placement = Placement.fromConfigName(config.placement().key().configName());
    this.keepLastWhenEmpty = config.discovery().keepLastWhenEmpty();
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    consul = ConsulApi.create(vertx, link);
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
    HttpRequest<Buffer> query = consul.request(HttpMethod.GET, "/v1/health/service/" + settings.service(),
        settings.httpTimeoutMillis()).addQueryParam("passing", "1");
    if (!settings.datacenter().isEmpty()) query.addQueryParam("dc", settings.datacenter());
    // After a failure the first query does not block: it answers at once, so the status turns "ok"
    // as soon as Consul is back, not up to a whole wait later (what changed meanwhile comes with it).
    if (index.blocks() && failures == 0) {
      query.addQueryParam("index", Long.toUnsignedString(index.value())).addQueryParam("wait", settings.waitParameter());
    }
    query.send().onComplete(ar -> {
      if (stopped) return;
      Throwable problem = ar.failed() ? ar.cause() : null;
      JsonArray entries = null;
      long returned = 0;
      if (problem == null) {
        HttpResponse<Buffer> r = ar.result();
        try {
          if (r.statusCode() == 403) {
            problem = consul.refused(r, "discovery", ConsulAcl.discoveryRules(settings.service()));
          } else if (r.statusCode() != 200) {
            problem = new IllegalStateException("HTTP " + r.statusCode() + ": " + r.bodyAsString());
          } else {
            entries = r.bodyAsJsonArray();
            returned = Long.parseUnsignedLong(String.valueOf(r.getHeader("X-Consul-Index")));
          }
        } catch (RuntimeException bad) {
          problem = new IllegalStateException("unreadable answer from Consul: " + bad.getMessage());
        }
      }
      if (problem == null) answered(returned, membersOf(entries));
      else failed(problem);
      firstAnswer.tryComplete();
    });
  }

  private void answered(long returned, List<Member> members) {
    if (index.classify(returned) == BlockingIndex.Outcome.RESET) {
      LOG.info("Consul index went backwards ({} -> {}): starting over with a fresh query", index.value(), returned);
    }
    index = index.next(returned);
    if (failures > 0) LOG.info("Consul answers again after {} failed queries", failures);
    failures = 0;
    lastError = "";
    lastSuccessMillis = System.currentTimeMillis();
    // With a token, an empty list may be Consul hiding what the token may not read: said once when
    // instances vanish, or when the list stays empty for a whole blocking wait (not at a start where
    // the registrar has not registered yet).
    long now = System.currentTimeMillis();
    if (!members.isEmpty()) emptySinceMillis = -1;
    else if (emptySinceMillis < 0) emptySinceMillis = now;
    if (members.isEmpty() && consul.hasToken()
        && (current != null && !current.isEmpty() || now - emptySinceMillis >= settings.blockingWait().toMillis())) {
      if (!hiddenWarned) LOG.warn("{}", ConsulAcl.hiddenByAcl(settings.service()));
      hiddenWarned = true;
    } else if (!members.isEmpty()) {
      hiddenWarned = false;
    }
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
    String previousError = lastError;
    lastError = cause instanceof ConsulAcl.Refused ? cause.getMessage() : ConsulApi.describe(cause);
    String message = ConsulApi.describe(cause);
    // Once per outage; a refusal also when it follows another error (it needs an operator).
    if (failures == 1 || cause instanceof ConsulAcl.Refused && !lastError.equals(previousError)) {
      LOG.warn("Consul query failed, keeping ring v{} and retrying with backoff: {}",
          current == null ? 0 : current.version(), message);
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

  /**
   * Consul's JSON answer ({@code [{"Node":{"Node","Address"},"Service":{"ID","Service","Address","Port"}}]})
   * to members, by {@link #members}' rules.
   */
  static List<Member> membersOf(JsonArray answer) {
    List<ServiceEntry> entries = new ArrayList<>();
    for (int i = 0; i < answer.size(); i++) {
      JsonObject e = answer.getJsonObject(i);
      JsonObject n = e.getJsonObject("Node", new JsonObject());
      JsonObject s = e.getJsonObject("Service", new JsonObject());
      entries.add(new ServiceEntry()
          .setNode(new Node().setName(n.getString("Node")).setAddress(n.getString("Address")))
          .setService(new Service().setId(s.getString("ID")).setName(s.getString("Service"))
              .setAddress(s.getString("Address")).setPort(s.getInteger("Port", 0))));
    }
    return members(entries);
  }

  private static List<String> ids(List<Member> members) {
    return members.stream().map(Member::id).toList();
  }
}
