package io.pushring.bus;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

/**
 * How fresh the ring is: what the discovery loop last saw, for {@code /api/v1/ring} and metrics.
 * Immutable; kept in the LocalMap {@value #MAP} under {@value #KEY} and replaced on each change.
 *
 * @param source        "static" or "consul"
 * @param state         "starting", "ok" or "failing" (Consul unreachable: the last ring is kept)
 * @param lastSuccessMillis epoch millis of the last successful answer, 0 if none yet
 * @param consecutiveFailures failures since the last success
 * @param lastError     the last failure, "" if none
 * @param consulIndex   the X-Consul-Index the loop waits on (0 for static)
 */
public record DiscoveryStatus(String source, String state, long lastSuccessMillis, int consecutiveFailures,
                              String lastError, long consulIndex) implements Shareable {
  public static final String MAP = "pushring.discovery";
  public static final String KEY = "status";

  public static void publish(Vertx vertx, DiscoveryStatus status) {
    vertx.sharedData().<String, DiscoveryStatus>getLocalMap(MAP).put(KEY, status);
  }

  /** The current status, or null when no discovery has reported yet. */
  public static DiscoveryStatus current(Vertx vertx) {
    return vertx.sharedData().<String, DiscoveryStatus>getLocalMap(MAP).get(KEY);
  }

  public boolean stale() {
    return !"ok".equals(state);
  }
}
