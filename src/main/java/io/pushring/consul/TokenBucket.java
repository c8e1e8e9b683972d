package io.pushring.consul;

/**
 * A token bucket in front of the blocking-query loop. Consul's documentation asks clients not to
 * sleep on every iteration but to rate-limit with "a token bucket with burst of 2": changes are
 * seen at once, yet an index that keeps moving (flapping checks elsewhere in the service) cannot
 * turn the loop into a flood. Times are caller-supplied nanoseconds, so it is pure and testable.
 * Not thread-safe: owned by the discovery verticle's context.
 */
public final class TokenBucket {
  private final double capacity;
  private final double tokensPerNano;
  private double tokens;
  private long lastNanos;

  public TokenBucket(int burst, double perSecond, long nowNanos) {
    if (burst < 1 || perSecond <= 0) throw new IllegalArgumentException("burst >= 1 and rate > 0 required");
    this.capacity = burst;
    this.tokensPerNano = perSecond / 1e9;
    this.tokens = burst;
    this.lastNanos = nowNanos;
  }

  /**
   * Takes a token if one is there and returns 0; otherwise takes nothing and returns how many
   * nanoseconds until one will be.
   */
  public long tryTake(long nowNanos) {
    refill(nowNanos);
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return (long) Math.ceil((1 - tokens) / tokensPerNano);
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * tokensPerNano);
      lastNanos = nowNanos;
    }
  }
}
