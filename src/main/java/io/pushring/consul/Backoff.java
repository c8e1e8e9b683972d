package io.pushring.consul;

import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": the n-th consecutive failure waits between half and all
 * of {@code min(cap, base * 2^(n-1))}. The jitter keeps many pushring instances from hammering a
 * recovering Consul in lock-step; the floor keeps a retry from firing at once. Pure.
 */
public record Backoff(long baseMillis, long capMillis) {
  public Backoff {
    if (baseMillis < 1 || capMillis < baseMillis) throw new IllegalArgumentException("need 1 <= base <= cap");
  }

  /** @param failures consecutive failures so far, at least 1; @param random uniform in [0, 1) */
  public long delayMillis(int failures, DoubleSupplier random) {
    int shift = Math.min(Math.max(failures, 1) - 1, 30);
    long ceiling = Math.min(capMillis, baseMillis << shift);
    long half = ceiling / 2;
    return half + (long) (random.getAsDouble() * (ceiling - half + 1));
  }
}
