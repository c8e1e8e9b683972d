package io.pushring.tap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.internal.PlatformDependent;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where routers hand routing decisions to the tap, and what they check first. One per deployment,
 * created by {@code PushringApp} and handed to every router, to {@code /api/v1/tap} and to the
 * {@link TapHub} that fans the events out.
 *
 * <p>A router's cost: one volatile read per request for {@link #active} (the tap enabled and at least
 * one subscriber); while someone subscribes, one small {@link TapEvent} and one offer to a bounded
 * lock-free queue per decision ({@link #publish}), whatever the number of subscribers. Filtering,
 * JSON encoding (once per event) and writing to subscribers happen in the {@link TapHub}, off the
 * routers' event loops. A full queue drops the event (counted): the tap never blocks a router.
 */
public final class TapSwitch {
  /** Decisions buffered between two fan-outs of the hub ({@link TapHub#FLUSH_MILLIS}); more are dropped. */
  static final int QUEUE_CAPACITY = 1 << 16;

  private final boolean enabled;
  private final int maxSubscribers;
  private final AtomicInteger subscribers = new AtomicInteger();
  // Netty's bounded multi-producer single-consumer queue (JCTools), the one its event loops use for
  // their own task queues: producers never lock, the hub is the one consumer.
  private final Queue<TapEvent> events = PlatformDependent.newFixedMpscQueue(QUEUE_CAPACITY);
  private final Queue<TapStream.Subscription> joins = PlatformDependent.newMpscQueue();
  private final Counter published;
  private final Counter dropped;
  private final Counter refused;
  private final Counter disconnected;
  private final AtomicLong stalledDrops = new AtomicLong();
  private final AtomicLong encoded = new AtomicLong();
  private final AtomicLong encodedOnEventLoop = new AtomicLong();

  /**
   * @param maxSubscribers {@code tap.max-subscribers}: open streams beyond it are refused with 503
   */
  public TapSwitch(boolean enabled, int maxSubscribers, MeterRegistry registry) {
    this.enabled = enabled;
    this.maxSubscribers = maxSubscribers;
    this.published = Counter.builder("pushring.tap.events.published")
        .description("Routing decisions published on the tap (only while someone subscribes)")
        .register(registry);
    this.dropped = Counter.builder("pushring.tap.events.dropped")
        .description("Tap events not sent to a subscriber that could not keep up (or not queued: tap queue full)")
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
   * Router side: hands one decision to the hub. Never blocks; a full queue drops it (counted). The
   * published count is kept by the hub (one increment per fan-out, not one per event here).
   */
  public void publish(TapEvent event) {
    if (!events.offer(event)) {
      published.increment();
      dropped.increment();
    }
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

  void encoded(boolean onEventLoop) {
    encoded.incrementAndGet();
    if (onEventLoop) encodedOnEventLoop.incrementAndGet();
  }

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

  TapEvent nextEvent() { return events.poll(); }

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
