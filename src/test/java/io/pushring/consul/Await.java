package io.pushring.consul;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling with a deadline; returns how long it took, for the figures the tests print. */
final class Await {
  private Await() {}

  /** Polls {@code condition} every 5 ms; returns the elapsed milliseconds, or fails with {@code what}. */
  static long until(String what, Duration timeout, BooleanSupplier condition) {
    return until(() -> what, timeout, condition);
  }

  static long until(Supplier<String> what, Duration timeout, BooleanSupplier condition) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what.get());
      }
      sleep(5);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
