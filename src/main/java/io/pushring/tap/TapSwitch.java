package io.pushring.tap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.internal.PlatformDependent;
import io.pushring.bus.LocalCodec;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where routers hand routing decisions to the tap, and what they check first. One per deployment,
 * created by {@code PushringApp} and handed to every router, to {@code /api/v1/tap} and to the
 * {@link TapHub} that fans the events out.
 *
 * <p>Decisions travel on the event bus, address {@value #ADDRESS}, local only and by reference
 * (the {@link LocalCodec}), so any local consumer can watch them; the {@link TapHub} is the tap's.
 * A router's cost: one volatile read per request for {@link #active} (the tap enabled and at least
 * one subscriber); while someone subscribes, one small {@link TapEvent} and one event-bus publish
 * per decision ({@link #publish}: the bus's message, and one task handed to the hub's worker
 * context), whatever the number of subscribers: the bus sees one consumer, the hub. Filtering, JSON
 * encoding (once per event) and writing to subscribers happen in the hub, off the routers' event
 * loops; the hub buffers a bounded number of events between two fan-outs and drops (counts) the
 * rest. Publishing never blocks a router.
 */
public final class TapSwitch {
  /** The event-bus address of routing decisions ({@link TapEvent}, local only). */
  public static final String ADDRESS = "pushring.tap";
  /** The event-bus address of the reconciler's actions ({@link ReconcileEvent}, local only). */
  public static final String RECONCILE_ADDRESS = "pushring.tap.reconcile";
  /** Decisions the hub buffers between two fan-outs ({@link TapHub#FLUSH_MILLIS}); more are dropped. */
  static final int BUFFER_CAPACITY = 1 << 16;

  private final EventBus bus;
  // Computed once: publish allocates nothing of its own beyond the event.
  private final DeliveryOptions delivery;
  private final DeliveryOptions reconcileDelivery;
  private final boolean enabled;
  private final int maxSubscribers;
  private final AtomicInteger subscribers = new AtomicInteger();
  // Streams opened on HTTP event loops, taken by the hub at its next fan-out.
  private final Queue<TapStream.Subscription> joins = PlatformDependent.newMpscQueue();
  private final Counter published;
  private final Counter dropped;
  private final Counter refused;
  private final Counter disconnected;
  private final AtomicLong stalledDrops = new AtomicLong();
  private final AtomicLong encoded = new AtomicLong();
  private final AtomicLong encodedOnEventLoop = new AtomicLong();
  private final AtomicLong receivedOnEventLoop = new AtomicLong();

  /**
   * @param maxSubscribers {@code tap.max-subscribers}: open streams beyond it are refused with 503
   */
  public TapSwitch(Vertx vertx, boolean enabled, int maxSubscribers, MeterRegistry registry) {
    LocalCodec.register(vertx, TapEvent.class);
    LocalCodec.register(vertx, ReconcileEvent.class);
    this.bus = vertx.eventBus();
    this.delivery = new DeliveryOptions().setLocalOnly(true).setCodecName(new LocalCodec<>(TapEvent.class).name());
    this.reconcileDelivery = new DeliveryOptions().setLocalOnly(true).setCodecName(new LocalCodec<>(ReconcileEvent.class).name());
    this.enabled = enabled;
    this.maxSubscribers = maxSubscribers;
    this.published = Counter.builder("pushring.tap.events.published")
        .description("Routing decisions published on the tap (only while someone subscribes)")
        .register(registry);
    this.dropped = Counter.builder("pushring.tap.events.dropped")
        .description("Tap events not sent to a subscriber that could not keep up (or over the hub's buffer or byte budget)")
        .register(registry);
    this.refused = Counter.builder("pushring.tap.subscriptions.refused")
        .description("/api/v1/tap streams refused because tap.max-subscribers were open")
        .register(registry);
    this.disconnected = Counter.builder("pushring.tap.subscribers.disconnected")
        .description("/api/v1/tap streams closed by pushring because the reader stalled")
        .register(registry);
    Gauge.builder("pushring.tap.subscribers", subscribers, AtomicInteger::get)
        .description("Open /api/v1/tap streams")
        .strongReference(true).register(registry);
  }

  /** {@code tap.enabled}. */
  public boolean enabled() { return enabled; }

  /** {@code tap.max-subscribers}. */
  public int maxSubscribers() { return maxSubscribers; }

  /** Should a router publish this decision? One volatile read. */
  public boolean active() {
    return enabled && subscribers.get() > 0;
  }

  public int subscribers() { return subscribers.get(); }

  /**
   * Router side: publishes one decision on {@value #ADDRESS}. Never blocks. The published count is
   * kept by the hub as it receives them (no shared counter touched per event here).
   */
  public void publish(TapEvent event) {
    bus.publish(ADDRESS, event, delivery);
  }

  /**
   * Reconciler side: publishes one of its actions on {@value #RECONCILE_ADDRESS}, for the hub to fan
   * out as {@code event: reconcile}. Never blocks; callers build the event only while {@link #active}.
   */
  public void publish(ReconcileEvent event) {
    bus.publish(RECONCILE_ADDRESS, event, reconcileDelivery);
  }

  /** Events published so far (what the no-subscriber test counts). */
  public long publishedCount() { return (long) published.count(); }

  public long droppedCount() { return (long) dropped.count(); }

  public long refusedCount() { return (long) refused.count(); }

  public long disconnectedCount() { return (long) disconnected.count(); }

  /** Routing events JSON-encoded so far: once per event that at least one subscriber takes, never per subscriber. */
  public long encodedCount() { return encoded.get(); }

  /** Of those, encoded on an event loop (a router's, or any): 0 by design, the hub runs on a worker. */
  public long encodedOnEventLoopCount() { return encodedOnEventLoop.get(); }

  /** Events the hub received from the bus on an event-loop thread: 0 by design, its consumer runs on its worker context. */
  public long receivedOnEventLoopCount() { return receivedOnEventLoop.get(); }

  void encoded(boolean onEventLoop) {
    encoded.incrementAndGet();
    if (onEventLoop) encodedOnEventLoop.incrementAndGet();
  }

  void receivedOnEventLoop() { receivedOnEventLoop.incrementAndGet(); }

  /** Takes a subscriber slot: false (and counted as refused) when {@code tap.max-subscribers} are open. */
  boolean tryAcquire() {
    while (true) {
      int n = subscribers.get();
      if (n >= maxSubscribers) {
        refused.increment();
        return false;
      }
      if (subscribers.compareAndSet(n, n + 1)) return true;
    }
  }

  /** Gives back the slot {@link #tryAcquire} took (the stream closed). */
  void unsubscribed() { subscribers.decrementAndGet(); }

  void join(TapStream.Subscription subscription) { joins.offer(subscription); }

  TapStream.Subscription nextJoin() { return joins.poll(); }

  void dropped(long n) { dropped.increment(n); }

  void published(long n) { published.increment(n); }

  /** Events dropped because a reader's write queue was full (part of {@link #droppedCount}). */
  public long stalledDropCount() { return stalledDrops.get(); }

  void droppedForStalledReader(long n) {
    stalledDrops.addAndGet(n);
    dropped.increment(n);
  }

  void disconnected() { disconnected.increment(); }
}
