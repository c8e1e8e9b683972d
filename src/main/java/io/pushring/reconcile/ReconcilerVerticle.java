package io.pushring.reconcile;

import io.micrometer.core.instrument.MeterRegistry;
import io.pushring.bus.AdmittedSet;
import io.pushring.bus.ReconcileStatus;
import io.pushring.bus.RingChange;
import io.pushring.bus.RingPublisher;
import io.pushring.config.Durations;
import io.pushring.config.PushringConfig;
import io.pushring.consul.AdmissionStore;
import io.pushring.consul.ConsulSettings;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link Reconciler} passes: {@code reconcile.settle} after each ring announced on
 * {@value RingPublisher#ADDRESS} (a newer announcement restarts the wait) and every
 * {@code reconcile.interval}. Never two passes at once: a pass asked for while one runs is run once
 * after it. Passes run on a worker of their own (one thread), never on the event loop.
 *
 * <p>Members that leave the ring are remembered as departed and read by later passes (their groups
 * go to their owners) until a pass reads them empty or cannot read them at all; a member back in
 * the ring is no longer departed.
 *
 * <p>It also decides which members Prometheus may scrape ({@link Admission}): a ring change drops the
 * members that left at once, each finished pass admits the members it found clean, and the result
 * is published ({@link #publishAdmission}): to Consul KV {@code consul.admitted-key} in Consul mode
 * (every instance watches it), to this instance's LocalMap in static mode. A dry run publishes every
 * ring member (it changes nothing, so it hides nothing) and reports what it would have admitted.
 *
 * <p>Deployed only when {@code reconcile.enabled} is true. There is no leader election yet: with
 * several pushring instances, enable it on one.
 */
public final class ReconcilerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ReconcilerVerticle.class);
  private static final Duration PUSHGATEWAY_TIMEOUT = Duration.ofSeconds(10);

  private final PushringConfig.Reconcile settings;
  private final String scheme;
  private WorkerExecutor worker;
  private Reconciler reconciler;
  private MessageConsumer<RingChange> consumer;
  private long settleTimer = -1;
  private long periodic = -1;
  private boolean running;
  private boolean again;
  private Ring lastRing;
  private final Set<Member> departed = new LinkedHashSet<>();
  private volatile PassReport lastReport;
  private Admission admission = Admission.none();
  private boolean published;
  private AdmissionStore admissionStore;
  private Future<Void> publishing = Future.succeededFuture();
  private final PushringConfig config;
  private volatile long passes;

  private final ReconcileMeters meters;

  public ReconcilerVerticle(PushringConfig config, MeterRegistry registry) {
    this.config = config;
    this.settings = config.reconcile();
    this.scheme = config.pushgateways().scheme();
    this.meters = new ReconcileMeters(registry, settings.dryRun());
  }

  @Override
  public Future<?> start() {
    worker = vertx.createSharedWorkerExecutor("pushring-reconcile", 1, 1, TimeUnit.HOURS);
    reconciler = new Reconciler(new PushgatewayClient(scheme, PUSHGATEWAY_TIMEOUT),
        new Reconciler.Settings(settings.quiet().toMillis() / 1000.0, settings.dryRun()), Clock.systemUTC(),
        settings.rate(), () -> RingPublisher.current(vertx));
    lastRing = RingPublisher.current(vertx);
    if (config.discovery().mode() == PushringConfig.DiscoveryMode.CONSUL) {
      admissionStore = new AdmissionStore(vertx, ConsulSettings.from(config), config.consul().admittedKvKey());
    }
    if (lastRing != null) admission = admission.onRing(lastRing);
    // The announcement is a RingChange (previous and new ring); this verticle tracks departures itself.
    consumer = vertx.eventBus().<RingChange>localConsumer(RingPublisher.ADDRESS, message -> onRing(message.body().current()));
    periodic = vertx.setPeriodic(settings.interval().toMillis(), id -> requestPass());
    if (lastRing != null) scheduleAfterSettle();
    ReconcileStatus.publish(vertx, status(null));
    LOG.info("reconciler on: interval {}, settle {}, quiet {}, {} writes/s per Pushgateway{}", settings.interval(),
        settings.settle(), settings.quiet(), settings.rate(), settings.dryRun() ? ", DRY RUN" : "");
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(periodic);
    if (settleTimer >= 0) vertx.cancelTimer(settleTimer);
    if (admissionStore != null) admissionStore.close();
    return consumer.unregister().eventually(() -> worker.close());
  }

  /** The report of the last finished pass, or null before the first. */
  public PassReport lastReport() {
    return lastReport;
  }

  /** Passes finished since the start. */
  public long passes() {
    return passes;
  }

  private void onRing(Ring ring) {
    if (lastRing != null) {
      for (Member m : lastRing.members()) if (!ring.members().contains(m)) departed.add(m);
    }
    ring.members().forEach(departed::remove);
    lastRing = ring;
    int before = admission.admitted().size();
    admission = admission.onRing(ring);
    // a member that left is no longer scraped: say so at once (a join changes nothing until a pass)
    if (published && admission.admitted().size() != before) publishAdmission(admittedSet());
    scheduleAfterSettle();
  }

  private void scheduleAfterSettle() {
    if (settleTimer >= 0) vertx.cancelTimer(settleTimer);
    settleTimer = vertx.setTimer(Math.max(1, settings.settle().toMillis()), id -> {
      settleTimer = -1;
      requestPass();
    });
  }

  private void requestPass() {
    if (running) {
      again = true;
      return;
    }
    Ring ring = RingPublisher.current(vertx);
    if (ring == null || ring.isEmpty()) return;
    running = true;
    List<Member> gone = new ArrayList<>(departed);
    long epoch = admission.epoch();
    worker.executeBlocking(() -> reconciler.pass(ring, gone), false).onComplete(ar -> {
      running = false;
      passes++;
      if (ar.succeeded()) {
        PassReport report = ar.result();
        lastReport = report;
        meters.record(report);
        admit(report, epoch);
        ReconcileStatus.publish(vertx, status(report));
        for (Member m : gone) {
          Integer held = report.groupsPerMember().get(m);
          if (held == null || held == 0) departed.remove(m);
        }
        log(report);
      } else {
        meters.failed();
        LOG.warn("reconcile pass failed: {}", ar.cause().toString());
      }
      if (again) {
        again = false;
        requestPass();
      }
    });
  }

  /** A finished pass: the members it found clean are admitted (see {@link Admission}), then published. */
  private void admit(PassReport report, long epoch) {
    if (!published) {
      // Continuity across a restart or a handover: what this instance's readers still list stays admitted.
      AdmittedSet previous = AdmittedSet.current(vertx);
      if (previous != null && !previous.dryRun()) admission = admission.seededFrom(previous.inRing(lastRing));
    }
    if (report.aborted().isEmpty()) admission = admission.afterPass(epoch, report.clean(), System.currentTimeMillis());
    published = true;
    publishAdmission(admittedSet());
  }

  private AdmittedSet admittedSet() {
    long now = System.currentTimeMillis();
    Ring ring = lastRing;
    List<String> would = settings.dryRun() ? admission.admitted().stream().map(a -> a.member().id()).sorted().toList() : List.of();
    return new AdmittedSet(settings.dryRun() ? admission.everyMember(now) : admission.admitted(),
        ring == null ? 0 : ring.version(), ring == null ? "" : ring.fingerprint(), now, settings.dryRun(), would);
  }

  /**
   * THE publication of the admitted set, one call (leader election gates it: only the leader
   * publishes). Consul mode: a KV write, which every instance's watcher brings into its LocalMap;
   * static mode: this instance's LocalMap (point Prometheus at this instance). Writes are chained,
   * so Consul never keeps an older set over a newer one; a failed write is logged and the next pass
   * writes again.
   */
  private void publishAdmission(AdmittedSet set) {
    if (admissionStore == null) {
      AdmittedSet.publish(vertx, set);
      return;
    }
    publishing = publishing.transform(previous -> admissionStore.put(set)
        .onFailure(e -> LOG.warn("publishing the admitted Pushgateways to Consul KV {} failed: {}", admissionStore.key(),
            e.toString())));
  }

  /** {@code GET /api/v1/reconcile}: settings and the last pass (its plan, at most 100 actions of each kind listed). */
  private JsonObject status(PassReport last) {
    return new JsonObject().put("enabled", true).put("leaderElection", false)
        .put("settings", new JsonObject().put("interval", Durations.format(settings.interval()))
            .put("settle", Durations.format(settings.settle())).put("quiet", Durations.format(settings.quiet()))
            .put("rate", settings.rate()).put("dryRun", settings.dryRun()))
        .put("passes", passes).put("running", running)
        .put("departed", new JsonArray(departed.stream().map(Member::id).toList()))
        .put("admission", new JsonObject()
            .put("admitted", new JsonArray(admission.admitted().stream().map(a -> a.member().id()).sorted().toList()))
            .put("waiting", new JsonArray(admission.waiting().stream().map(Member::id).toList()))
            .put("dryRun", settings.dryRun())
            .put("publishedTo", admissionStore != null ? "consul:" + admissionStore.key() : "local"))
        .put("lastPass", last == null ? null : last.toJson());
  }

  private static void log(PassReport r) {
    Plan p = r.plan();
    boolean acted = r.deleted() + r.migrated() > 0 || !r.errors().isEmpty() || !r.aborted().isEmpty()
        || (r.dryRun() && !(p.deletes().isEmpty() && p.migrations().isEmpty() && p.ownerDeletes().isEmpty()));
    String line = "reconcile pass, ring v" + r.ringVersion() + (r.dryRun() ? " (dry run)" : "") + ": "
        + p.groupsScanned() + " groups on " + r.membersRead() + " members, " + p.onOwner() + " only on their owner, "
        + p.deletes().size() + " deletes, " + p.ownerDeletes().size() + " stale owner copies and " + p.migrations().size()
        + " migrations planned, " + r.deleted()
        + " deleted, " + r.migrated() + " migrated, " + p.waiting() + " waiting for quiet, " + r.unreadable().size()
        + " members unreadable, " + r.errors().size() + " errors" + (r.aborted().isEmpty() ? "" : ", " + r.aborted())
        + ", " + r.durationMillis() + " ms";
    if (acted) LOG.info(line);
    else LOG.debug(line);
    if (!r.errors().isEmpty()) LOG.warn("reconcile errors: {}", r.errors());
  }
}
