package io.pushring.tap;

import io.pushring.bus.RingChange;
import io.pushring.bus.RingPublisher;
import io.pushring.ring.RingDiff;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The tap's fan-out, deployed as a worker verticle so that none of its work runs on a router's event
 * loop. It is the one consumer of {@value TapSwitch#ADDRESS}: the event bus delivers each decision
 * a router publishes on the hub's worker context (a worker verticle's consumer runs there, in order
 * with its timer), and the hub only buffers it, up to {@link TapSwitch#BUFFER_CAPACITY} events
 * (more are dropped and counted, nothing waits). Every {@value #FLUSH_MILLIS} ms it takes the
 * buffered decisions, finds the subscribers whose filter matches (those filtering on a job through
 * an index, so a subscriber watching another job costs nothing per event), encodes each matching
 * event once, appends the bytes to each matching subscriber's batch, and hands every non-empty
 * batch to its subscriber as one write. Ring changes ({@value RingPublisher#ADDRESS}) go to every
 * subscriber as an {@code event: ring} block. The reconciler's actions ({@value TapSwitch#RECONCILE_ADDRESS},
 * a few per second at most: its writes are paced) are buffered the same way and go, filtered, as
 * {@code event: reconcile} blocks.
 *
 * <p>So a router's work per decision does not depend on the number of subscribers, and a
 * subscriber's connection sees at most one write per fan-out, whatever the event rate.
 */
public final class TapHub extends VerticleBase {
  /** How often buffered decisions are fanned out: the tap's added latency, and its write rate per subscriber. */
  static final long FLUSH_MILLIS = 100;
  /** Bytes one subscriber may collect in one fan-out; beyond, its events are dropped (counted). */
  static final int MAX_BATCH_BYTES = TapStream.WRITE_QUEUE_BYTES;
  /**
   * Bytes all subscribers together may receive per fan-out (40 MB/s). The hub's work grows with
   * events x readers; past this budget the rest of the buffer is dropped (counted) at O(1) per event,
   * so many readers of a busy gateway cost a bounded share of the CPU that routing also needs.
   */
  static final long BUDGET_BYTES = 4L << 20;
  private static final Buffer KEEPALIVE = Buffer.buffer(": keepalive\n\n");

  private final TapSwitch tap;
  private final int bufferCapacity;
  private final List<TapStream.Subscription> subscriptions = new ArrayList<>();
  private final Map<String, List<TapStream.Subscription>> byJob = new HashMap<>();
  private final List<TapStream.Subscription> anyJob = new ArrayList<>();
  // Decisions received since the last fan-out; only touched on the hub's context.
  private final List<TapEvent> buffered = new ArrayList<>();
  private final List<ReconcileEvent> reconcileBuffered = new ArrayList<>();
  private long overBuffer;
  private long budget;

  public TapHub(TapSwitch tap) {
    this(tap, TapSwitch.BUFFER_CAPACITY);
  }

  /** With a smaller buffer, for the test of its bound. */
  TapHub(TapSwitch tap, int bufferCapacity) {
    this.tap = tap;
    this.bufferCapacity = bufferCapacity;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(FLUSH_MILLIS, t -> fanOut());
    return Future.all(
        vertx.eventBus().<TapEvent>localConsumer(TapSwitch.ADDRESS, this::received).completion(),
        vertx.eventBus().<ReconcileEvent>localConsumer(TapSwitch.RECONCILE_ADDRESS, this::receivedReconcile).completion(),
        vertx.eventBus().<RingChange>localConsumer(RingPublisher.ADDRESS, msg -> ring(msg.body())).completion());
  }

  /** One decision from a router: buffered for the next fan-out, or dropped (counted) when the buffer is full. */
  private void received(Message<TapEvent> msg) {
    if (Context.isOnEventLoopThread()) tap.receivedOnEventLoop();
    if (buffered.size() < bufferCapacity) buffered.add(msg.body());
    else overBuffer++;
  }

  /** One action of the reconciler: buffered like a decision, in a buffer of its own. */
  private void receivedReconcile(Message<ReconcileEvent> msg) {
    if (reconcileBuffered.size() < bufferCapacity) reconcileBuffered.add(msg.body());
    else overBuffer++;
  }

  private void fanOut() {
    updateSubscriptions();

    budget = BUDGET_BYTES;
    deliverReconcile(); // first: rare, and what an operator watching a re-shard came for
    int n = buffered.size();
    long dropped = overBuffer;
    for (int i = 0; i < n; i++) {
      if (budget > 0) deliver(buffered.get(i));
      else dropped++;
    }
    buffered.clear();
    if (n + overBuffer > 0) tap.published(n + overBuffer);
    if (dropped > 0) tap.dropped(dropped);
    overBuffer = 0;

    long now = System.currentTimeMillis();
    for (TapStream.Subscription s : subscriptions) {
      if (s.batch != null && s.batch.length() > 0) {
        s.send(s.batch, s.batchEvents);
      } else if (now - s.lastSentMillis >= TapStream.KEEPALIVE_MILLIS) {
        s.send(KEEPALIVE, 0);
      } else {
        continue;
      }
      s.batch = null;
      s.batchEvents = 0;
      s.lastSentMillis = now;
    }
  }

  /** Each buffered reconcile event, encoded once, to every subscriber whose filter takes it. */
  private void deliverReconcile() {
    if (reconcileBuffered.isEmpty()) return;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (ReconcileEvent e : reconcileBuffered) {
      Buffer encoded = null;
      for (TapStream.Subscription s : subscriptions) {
        if (s.closed() || !s.filter.matches(e) || !s.filter.sampled(random::nextDouble)) continue;
        if (encoded == null) {
          encoded = Buffer.buffer("event: reconcile\ndata: " + e.toJson().encode() + "\n\n", StandardCharsets.UTF_8.name());
        }
        append(s, encoded, 1);
      }
    }
    tap.published(reconcileBuffered.size());
    reconcileBuffered.clear();
  }

  /** Takes the streams opened and drops those closed since the last call. */
  private void updateSubscriptions() {
    boolean changed = false;
    for (TapStream.Subscription s; (s = tap.nextJoin()) != null; ) {
      subscriptions.add(s);
      s.lastSentMillis = System.currentTimeMillis();
      changed = true;
    }
    changed |= subscriptions.removeIf(TapStream.Subscription::closed);
    if (changed) index();
  }

  private void deliver(TapEvent e) {
    Buffer encoded = null;
    String job = null;
    if (!byJob.isEmpty()) {
      job = e.job();
      List<TapStream.Subscription> forJob = job == null ? null : byJob.get(job);
      if (forJob != null) encoded = offer(e, job, forJob, null);
    }
    if (!anyJob.isEmpty()) offer(e, job, anyJob, encoded);
  }

  /** Appends {@code e} to each matching subscriber's batch, encoding it on first need; returns the encoding. */
  private Buffer offer(TapEvent e, String job, List<TapStream.Subscription> candidates, Buffer encoded) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (TapStream.Subscription s : candidates) {
      if (s.closed() || !s.filter.matches(e, job) || !s.filter.sampled(random::nextDouble)) continue;
      if (encoded == null) {
        encoded = Buffer.buffer("data: " + e.toJson().encode() + "\n\n");
        tap.encoded(Context.isOnEventLoopThread());
      }
      append(s, encoded, 1);
    }
    return encoded;
  }

  private void append(TapStream.Subscription s, Buffer bytes, int events) {
    if (s.batch == null) s.batch = Buffer.buffer(Math.max(256, bytes.length()));
    if (events > 0 && s.batch.length() + bytes.length() > MAX_BATCH_BYTES) {
      tap.dropped(events);
      return;
    }
    s.batch.appendBuffer(bytes);
    budget -= bytes.length();
    s.batchEvents += events;
  }

  /** A ring change: one {@code event: ring} block to every subscriber, unfiltered (they are rare and say what moved). */
  private void ring(RingChange change) {
    // A stream open before the change must see it, even if it opened after the last fan-out.
    updateSubscriptions();
    if (subscriptions.isEmpty()) return;
    Buffer block = Buffer.buffer("event: ring\ndata: " + ringJson(change.diff(), change.current().placement().configName(),
        System.currentTimeMillis()).encode() + "\n\n", StandardCharsets.UTF_8.name());
    for (TapStream.Subscription s : subscriptions) {
      if (!s.closed()) append(s, block, 0);
    }
  }

  /** The JSON of a ring change, shared by the tap and the status page. */
  static JsonObject ringJson(RingDiff diff, String placement, long tsMillis) {
    JsonArray members = new JsonArray();
    for (RingDiff.Shift s : diff.shifts()) {
      members.add(new JsonObject().put("id", s.id()).put("address", s.address())
          .put("before", s.before()).put("after", s.after()));
    }
    return new JsonObject()
        .put("type", "ring")
        .put("ts", Instant.ofEpochMilli(tsMillis).toString())
        .put("version", diff.toVersion())
        .put("previousVersion", diff.fromVersion())
        .put("placement", placement)
        .put("added", new JsonArray(diff.added()))
        .put("removed", new JsonArray(diff.removed()))
        .put("moved", diff.moved())
        .put("members", members);
  }

  private void index() {
    byJob.clear();
    anyJob.clear();
    for (TapStream.Subscription s : subscriptions) {
      if (s.filter.job().isEmpty()) anyJob.add(s);
      else byJob.computeIfAbsent(s.filter.job(), k -> new ArrayList<>()).add(s);
    }
  }
}
