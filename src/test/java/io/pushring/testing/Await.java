package io.pushring.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The suite's one way to wait for behaviour: Awaitility underneath (polled every 5 ms, first poll at
 * once), plus the elapsed time, which several tests print as their measured figure. A timeout fails
 * with {@code what} (evaluated at the failure, so it can show the state that was not reached).
 */
public final class Await {
  private Await() {}

  /** Waits until {@code condition} holds; returns the elapsed milliseconds, or fails after {@code timeout}. */
  public static long until(String what, Duration timeout, BooleanSupplier condition) {
    return until(() -> what, timeout, condition);
  }

  public static long until(Supplier<String> what, Duration timeout, BooleanSupplier condition) {
    long start = System.nanoTime();
    try {
      Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
          .ignoreExceptions().until(condition::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what.get(), e);
    }
    return millisSince(start);
  }

  /** A pause that is part of a scenario (traffic before an outage, a window to count requests in). */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
