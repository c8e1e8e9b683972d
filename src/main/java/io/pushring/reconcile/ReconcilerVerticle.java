package io.pushring.reconcile;

import io.micrometer.core.instrument.MeterRegistry;
import io.pushring.bus.AdmittedSet;
import io.pushring.bus.GroupWriteGuard;
import io.pushring.bus.ReconcileStatus;
import io.pushring.bus.RingChange;
import io.pushring.bus.RingPublisher;
import io.pushring.config.Durations;
import io.pushring.config.PushringConfig;
import io.pushring.config.PushringConfig.DiscoveryMode;
import io.pushring.consul.AdmissionStore;
import io.pushring.consul.ConsulLeaderElection;
import io.pushring.consul.ConsulLink;
import io.pushring.consul.LeaderLock;
import io.pushring.consul.Leadership;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.pushring.tap.ReconcileEvent;
import io.pushring.tap.TapSwitch;
import io.pushring.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link Reconciler} passes: {@code reconcile.settle} after each ring announced on
 * {@value RingPublisher#ADDRESS} (a newer announcement restarts the wait) and every
 * {@code reconcile.interval}. Never two passes at once: a pass asked for while one runs is run once
 * after it, and a pass that stopped at {@code reconcile.max-actions} is followed at once by the
 * next. Passes run on a worker of their own (one thread), never on the event loop.
 *
 * <p>Members that leave the ring are remembered as departed and read by later passes (their groups
 * go to their owners) until a pass reads them empty, or they stayed unreadable for
 * {@code reconcile.departed-retention} ({@link DepartedMembers}); a member back in the ring is no
 * longer departed.
 *
 * <p>It also decides which members Prometheus may scrape ({@link Admission}): a ring change drops the
 * members that left at once, each finished pass admits the members it found clean, and the leader
 * publishes the result ({@link #publishAdmission}): to Consul KV {@code consul.admitted-key} in
 * Consul mode (every instance watches it), to this instance's LocalMap in static mode. A new leader
 * starts from what the previous one published. A dry run publishes every ring member (it changes
 * nothing, so it hides nothing) and reports what it would have admitted.
 *
 * <p>Deployed only when {@code reconcile.enabled} is true. In Consul mode every instance deploys it
 * and takes part in the leader election ({@link ConsulLeaderElection}): only the leader runs passes,
 * a pass starts when leadership is gained, and every write of a pass first checks that this instance
 * still leads (the pass stops otherwise). Followers keep tracking ring changes and departed members,
 * so a new leader starts from the same knowledge. In static mode there is no election: the instance
 * where it is enabled reconciles.
 */
public final class ReconcilerVerticle extends VerticleBase {
  private final ConsulLink link;
  private static final Logger LOG = LoggerFactory.getLogger(ReconcilerVerticle.class);
  private static final Duration PUSHGATEWAY_TIMEOUT = Duration.ofSeconds(10);

  private final PushringConfig config;
  private final PushringConfig.Reconcile settings;
  private final Upstream upstream;
  private final int httpPort;
  /** Consul mode: the election, set once started; null in static mode (always leader). */
  private volatile ConsulLeaderElection election;
  private WorkerExecutor worker;
  private static final long SWEEP_MILLIS = 5_000;
  private GroupWriteGuard guard;
  private long sweeper = -1;
  private Reconciler reconciler;
  private MessageConsumer<RingChange> consumer;
  private long settleTimer = -1;
  private long periodic = -1;
  private boolean running;
  private boolean again;
  private Ring lastRing;
  private final DepartedMembers departed;
  private volatile PassReport lastReport;
  private Admission admission = Admission.none();
  private boolean published;
  private AdmissionStore admissionStore;
  private Future<Void> publishing = Future.succeededFuture();
  private volatile long passes;

  private final ReconcileMeters meters;

  private final TapSwitch tap;

  /**
   * @param httpPort this instance's HTTP port, part of the identity it writes into the lock key
   * @param link the Consul link in consul mode, else null
   * @param tap where each pass's actions and summary go while someone taps
   */
  public ReconcilerVerticle(PushringConfig config, ConsulLink link, MeterRegistry registry, int httpPort, TapSwitch tap,
      Upstream upstream) {
    this.link = link;
    this.config = config;
    this.tap = tap;
    this.settings = config.reconcile();
    this.upstream = upstream;
    this.httpPort = httpPort;
    this.meters = new ReconcileMeters(registry, settings.dryRun(), this::leader);
    this.departed = new DepartedMembers(settings.departedRetention());
  }

  @Override
  public Future<?> start() {
    worker = vertx.createSharedWorkerExecutor("pushring-reconcile", 1, 1, TimeUnit.HOURS);
    guard = GroupWriteGuard.of(vertx);
    // The routers' marks of client writes expire; the expired ones are dropped here (every instance
    // with a reconciler, leading or not: its routers mark all the same).
    sweeper = vertx.setPeriodic(SWEEP_MILLIS, id -> guard.sweep());
    reconciler = new Reconciler(new PushgatewayClient(upstream, PUSHGATEWAY_TIMEOUT),
        new Reconciler.Settings(settings.quiet().toMillis() / 1000.0, settings.dryRun(), settings.maxActions()), Clock.systemUTC(),
        settings.rate(), () -> RingPublisher.current(vertx), this::leadershipRefusal, new ReconcileEvents() {
          @Override
          public boolean wanted() {
            return tap.active();
          }

          @Override
          public void publish(ReconcileEvent event) {
            tap.publish(event);
          }
        }, guard);
    lastRing = RingPublisher.current(vertx);
    if (config.discovery().mode() == DiscoveryMode.CONSUL) {
      admissionStore = new AdmissionStore(vertx, link, config.consul().admittedKvKey());
    }
    if (lastRing != null) admission = admission.onRing(lastRing);
    // The announcement is a RingChange (previous and new ring); this verticle tracks departures itself.
    consumer = vertx.eventBus().<RingChange>localConsumer(RingPublisher.ADDRESS, message -> onRing(message.body().current()));
    periodic = vertx.setPeriodic(settings.interval().toMillis(), id -> requestPass());
    if (lastRing != null) scheduleAfterSettle();
    ReconcileStatus.publish(vertx, status(null));
    LOG.info("reconciler on: interval {}, settle {}, quiet {}, {} writes/s per Pushgateway{}{}", settings.interval(),
        settings.settle(), settings.quiet(), settings.rate(), settings.dryRun() ? ", DRY RUN" : "",
        electing() ? ", passes only while this instance leads (Consul lock)" : "");
    if (!electing()) return consumer.completion();
    return consumer.completion().compose(v -> ConsulLeaderElection.start(vertx, link,
        config.reconcileLockKey(), settings.lock().ttl(), settings.lock().lockDelay(), httpPort, this::onLeadership,
        () -> ReconcileStatus.publish(vertx, status(lastReport))))
        .onSuccess(e -> {
          election = e;
          ReconcileStatus.publish(vertx, status(lastReport));
        });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(periodic);
    if (sweeper >= 0) vertx.cancelTimer(sweeper);
    if (settleTimer >= 0) vertx.cancelTimer(settleTimer);
    // Leadership ends first (a pass still running stops at its next write), then the lock is released.
    Future<Void> released = election == null ? Future.succeededFuture() : election.stop();
    return released.eventually(() -> consumer.unregister()).eventually(() -> worker.close())
        .eventually(() -> {
          if (admissionStore != null) admissionStore.close();
          return Future.succeededFuture();
        });
  }

  /** Consul mode: this instance takes part in the election; static mode: it reconciles by configuration. */
  private boolean electing() {
    return config.discovery().mode() == DiscoveryMode.CONSUL;
  }

  /** The reconciler's write gate (worker thread): null while leading, else why not. */
  private String leadershipRefusal() {
    if (leader()) return null;
    ConsulLeaderElection e = election;
    return "leadership lost: " + (e == null ? "not elected" : e.leadership().reason());
  }

  private void onLeadership(LeaderLock.Change change) {
    ReconcileStatus.publish(vertx, status(lastReport));
    if (change.gained()) {
      published = false; // a new term starts from what the readers list now (another leader may have admitted since)
      requestPass();
    }
  }

  /** The report of the last finished pass, or null before the first. */
  public PassReport lastReport() {
    return lastReport;
  }

  /** Passes finished since the start. */
  public long passes() {
    return passes;
  }

  /** Whether this instance runs the passes now (Consul mode: it holds the lock; static mode: always). */
  public boolean leader() {
    if (!electing()) return true;
    ConsulLeaderElection e = election;
    return e != null && e.leadership().leader(System.nanoTime());
  }

  private void onRing(Ring ring) {
    departed.ringChanged(lastRing, ring);
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
    if (!leader()) return;
    if (running) {
      again = true;
      return;
    }
    Ring ring = RingPublisher.current(vertx);
    if (ring == null || ring.isEmpty()) return;
    running = true;
    List<Member> gone = departed.toRead();
    long epoch = admission.epoch();
    // Which members Prometheus scrapes as the pass starts: an owner's stale copy is deleted at once
    // only there (elsewhere the client's next push or a migration replaces it; see Planner).
    java.util.Set<Member> scraped = java.util.Set.copyOf(admission.admitted().stream().map(a -> a.member()).toList());
    worker.executeBlocking(() -> reconciler.pass(ring, gone, scraped::contains), false).onComplete(ar -> {
      running = false;
      passes++;
      if (ar.succeeded()) {
        PassReport report = ar.result();
        lastReport = report;
        meters.record(report);
        admit(report, epoch);
        ReconcileStatus.publish(vertx, status(report));
        departed.passed(gone, report.groupsPerMember(), System.currentTimeMillis());
        if (report.capped()) again = true; // the rest of the work: plan it again from fresh reads, now
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
   * THE publication of the admitted set, one call, gated by leadership (only the leader publishes). Consul mode: a KV write, which every instance's watcher brings into its LocalMap;
   * static mode: this instance's LocalMap (point Prometheus at this instance). Writes are chained,
   * so Consul never keeps an older set over a newer one; a failed write is logged and the next pass
   * writes again.
   */
  private void publishAdmission(AdmittedSet set) {
    if (!leader()) return;
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
    ConsulLeaderElection e = election;
    Leadership l = e == null ? null : e.leadership();
    return new JsonObject().put("enabled", true).put("leaderElection", electing()).put("leader", leader())
        .put("lockKey", electing() ? config.reconcileLockKey() : null)
        .put("lockHolder", l == null ? "" : l.holder())
        .put("leadership", l == null ? (electing() ? "starting" : "static mode: this instance reconciles") : l.reason())
        .put("settings", new JsonObject().put("interval", Durations.format(settings.interval()))
            .put("settle", Durations.format(settings.settle())).put("quiet", Durations.format(settings.quiet()))
            .put("rate", settings.rate()).put("dryRun", settings.dryRun())
            .put("departedRetention", Durations.format(settings.departedRetention()))
            .put("maxActions", settings.maxActions()))
        .put("passes", passes).put("running", running)
        .put("departed", departedJson())
        .put("admission", admissionJson())
        .put("lastPass", last == null ? null : last.toJson());
  }

  /**
   * Which members may be scraped. A dry run lists every ring member as admitted (it hides nothing)
   * and says which a real pass would have admitted ({@code wouldAdmit}) and which not ({@code waiting}).
   */
  private JsonObject admissionJson() {
    JsonArray decided = new JsonArray(admission.admitted().stream().map(a -> a.member().id()).sorted().toList());
    JsonObject json = new JsonObject().put("dryRun", settings.dryRun())
        .put("publishedTo", admissionStore != null ? "consul:" + admissionStore.key() : "local")
        .put("waiting", new JsonArray(admission.waiting().stream().map(Member::id).toList()));
    if (!settings.dryRun()) return json.put("admitted", decided);
    return json.put("admitted", new JsonArray(admission.everyMember(0).stream().map(a -> a.member().id()).sorted().toList()))
        .put("wouldAdmit", decided);
  }

  /** Each departed member, with since when it could not be read (absent: it could, or was not tried yet). */
  private JsonArray departedJson() {
    JsonArray out = new JsonArray();
    for (DepartedMembers.Entry e : departed.entries()) {
      JsonObject m = new JsonObject().put("id", e.member().id()).put("address", e.member().address());
      if (e.unreadableSinceMillis() != null) m.put("unreadableSince", Instant.ofEpochMilli(e.unreadableSinceMillis()).toString());
      out.add(m);
    }
    return out;
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
