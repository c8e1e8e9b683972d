package io.pushring.consul;

import io.pushring.consul.Backoff;
import io.pushring.discovery.ConsulDiscoveryVerticle;

/**
 * Upper bounds on how many queries the discovery loop may send, derived from its rate limits, so a
 * test can tell a paced loop from a tight one by counting requests.
 */
final class Bounds {
  private Bounds() {}

  /**
   * Most attempts a loop failing on every attempt can make within {@code windowMillis} of its first
   * failure: each retry waits at least half its backoff ceiling (the "equal jitter" floor).
   */
  static int failingAttemptsWithin(long windowMillis) {
    Backoff backoff = ConsulDiscoveryVerticle.BACKOFF;
    int attempts = 1;
    long elapsed = 0;
    for (int failures = 1; ; failures++) {
      elapsed += backoff.delayMillis(failures, () -> 0.0); // the shortest possible delay
      if (elapsed > windowMillis) return attempts;
      attempts++;
    }
  }

  /** Most queries the token bucket lets through in {@code windowMillis}: the burst, then the rate. */
  static int bucketAllowsWithin(long windowMillis) {
    return ConsulDiscoveryVerticle.BUCKET_BURST
        + (int) Math.ceil(windowMillis / 1000.0 * ConsulDiscoveryVerticle.BUCKET_PER_SECOND);
  }
}
