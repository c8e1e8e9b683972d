package io.pushring.tap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pushring.discovery.LocalCodec;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether routers publish tap events: only when the tap is enabled AND at least one subscriber
 * listens. One per Vert.x instance, held by reference in the LocalMap {@value #MAP} (Shareable, never
 * copied), so every router sees the count the SSE endpoint maintains. A router pays one volatile
 * read per request for {@link #active}; with no subscriber it builds and publishes nothing.
 */
public final class TapSwitch implements Shareable {
  /** Local event-bus address of the tap. */
  public static final String ADDRESS = "pushring.tap";
  public static final String MAP = "pushring.tap";
  private static final String KEY = "switch";
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final boolean enabled;
  private final AtomicInteger subscribers = new AtomicInteger();
  private final Counter published;
  private final Counter dropped;

  private TapSwitch(boolean enabled, MeterRegistry registry) {
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

  /**
   * Installs the switch of this Vert.x instance (at deployment, before the routers start) and the
   * zero-copy codec of {@link TapEvent}. A second call keeps the existing switch.
   */
  public static TapSwitch install(Vertx vertx, boolean enabled, MeterRegistry registry) {
    try {
      vertx.eventBus().registerDefaultCodec(TapEvent.class, new LocalCodec<>(TapEvent.class));
    } catch (IllegalStateException alreadyRegistered) {
      // deployed twice on one Vert.x: the codec is there already
    }
    LocalMap<String, TapSwitch> map = map(vertx);
    TapSwitch created = new TapSwitch(enabled, registry);
    TapSwitch existing = map.putIfAbsent(KEY, created);
    return existing != null ? existing : created;
  }

  /** The installed switch; a disabled one when nothing was installed (a router deployed alone). */
  public static TapSwitch of(Vertx vertx) {
    TapSwitch current = map(vertx).get(KEY);
    return current != null ? current : new TapSwitch(false, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  }

  private static LocalMap<String, TapSwitch> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
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
