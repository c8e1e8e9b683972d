package io.pushring.bus;

import io.pushring.ring.Ring;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.shareddata.LocalMap;

/**
 * The one place that knows where the current ring lives: the LocalMap {@value #MAP}, key
 * {@value #KEY}, read by routers on every request; and the event-bus address {@value #ADDRESS} on
 * which every new ring is announced as a {@link RingChange} (previous and new ring), for the
 * consumers that react to a change: the tap, the status page through it, the reconciler. Rings are
 * immutable and {@code Shareable}, so both hand out the same reference, never a copy.
 */
public final class RingPublisher {
  public static final String MAP = "pushring";
  public static final String KEY = "ring";
  public static final String ADDRESS = "pushring.ring";
  /** LocalMap of the {@link RingHistory}: the rings replaced lately, for routers' handover. */
  public static final String HISTORY_MAP = "pushring.history";

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private RingPublisher() {}

  /** Registers the zero-copy codecs of {@link Ring} and {@link RingChange} on this Vert.x instance. Idempotent. */
  public static void registerCodec(Vertx vertx) {
    LocalCodec.register(vertx, Ring.class);
    LocalCodec.register(vertx, RingChange.class);
  }

  /**
   * Makes {@code ring} current: LocalMap first (new readers see it), then the announcement of the
   * change from the ring it replaced. One publisher (the discovery verticle) per Vert.x.
   */
  public static void publish(Vertx vertx, Ring ring) {
    // History first: a router that sees the new ring must find the one it replaced in the history.
    Ring previous = map(vertx).get(KEY);
    LocalMap<String, RingHistory> history = historyMap(vertx);
    history.put(KEY, history(vertx).with(previous, System.nanoTime()));
    map(vertx).put(KEY, ring);
    vertx.eventBus().publish(ADDRESS, new RingChange(previous, ring), LOCAL);
  }

  /** The rings replaced lately, newest first (empty before the second ring). */
  public static RingHistory history(Vertx vertx) {
    RingHistory h = historyMap(vertx).get(KEY);
    return h == null ? RingHistory.empty() : h;
  }

  private static LocalMap<String, RingHistory> historyMap(Vertx vertx) {
    return vertx.sharedData().getLocalMap(HISTORY_MAP);
  }

  /** The current ring, or null before discovery published the first one. */
  public static Ring current(Vertx vertx) {
    return map(vertx).get(KEY);
  }

  /** The map itself, for readers that look the ring up on every request (routers). */
  public static LocalMap<String, Ring> localMap(Vertx vertx) {
    return map(vertx);
  }

  private static LocalMap<String, Ring> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }
}
