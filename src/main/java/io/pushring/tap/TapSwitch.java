package io.pushring.tap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether routers publish tap events: only when the tap is enabled AND at least one subscriber
 * listens. One per deployment, created by {@code PushringApp} and handed to every router and to the
 * SSE endpoint, so every router sees the count the endpoint maintains. A router pays one volatile
 * read per request for {@link #active}; with no subscriber it builds and publishes nothing.
 * {@link TapEvent}s travel by reference ({@code LocalCodec}, registered by {@code PushringApp}).
 */
public final class TapSwitch {
  /** Local event-bus address of the tap. */
  public static final String ADDRESS = "pushring.tap";
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final boolean enabled;
  private final AtomicInteger subscribers = new AtomicInteger();
  private final Counter published;
  private final Counter dropped;

  public TapSwitch(boolean enabled, MeterRegistry registry) {
    this.enabled = enabled;
    this.published = Counter.builder("pushring.tap.events.published")
        .description("Routing decisions published on the tap (only while someone subscribes)")
        .register(registry);
    this.dropped = Counter.builder("pushring.tap.events.dropped")
        .description("Tap events not sent to a subscriber because its connection could not keep up")
        .register(registry);
    Gauge.builder("pushring.tap.subscribers", subscribers, AtomicInteger::get)
        .description("Open /api/v1/tap streams")
        .strongReference(true).register(registry);
  }

  /** {@code tap.enabled}. */
  public boolean enabled() { return enabled; }

  /** Should a router publish this decision? One volatile read. */
  public boolean active() {
    return enabled && subscribers.get() > 0;
  }

  public int subscribers() { return subscribers.get(); }

  /** Publishes one decision to every subscriber (a local publish: the event itself, not a copy). */
  public void publish(EventBus eventBus, TapEvent event) {
    published.increment();
    eventBus.publish(ADDRESS, event, LOCAL);
  }

  /** Events published so far (what the no-subscriber test counts). */
  public long publishedCount() { return (long) published.count(); }

  public long droppedCount() { return (long) dropped.count(); }

  /** For {@link TapStream} (and benchmarks): one more subscriber. */
  public void subscribed() { subscribers.incrementAndGet(); }

  public void unsubscribed() { subscribers.decrementAndGet(); }

  void dropped() { dropped.increment(); }
}
