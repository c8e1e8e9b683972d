package io.pushring.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The suite's one way to wait for behaviour: Awaitility underneath (polled every 5 ms unless told otherwise,
 * first poll at once), plus the elapsed time, which several tests print as their measured figure. A timeout fails
 * with {@code what} (evaluated at the failure, so it can show the state that was not reached).
 */
public final class Await {
  private static final Duration EVERY = Duration.ofMillis(5);

  private Await() {}

  /** Waits until {@code condition} holds; returns the elapsed milliseconds, or fails after {@code timeout}. */
  public static long until(String what, Duration timeout, BooleanSupplier condition) {
    return until(() -> what, timeout, condition);
  }

  public static long until(Supplier<String> what, Duration timeout, BooleanSupplier condition) {
    return until(what, timeout, EVERY, condition);
  }

  /**
   * As {@link #until(String, Duration, BooleanSupplier)}, polling every {@code every}: for a condition
   * that is costly to read (a fleet of Pushgateways) or that feeds the scenario at a set pace.
   */
  public static long until(String what, Duration timeout, Duration every, BooleanSupplier condition) {
    return until(() -> what, timeout, every, condition);
  }

  public static long until(Supplier<String> what, Duration timeout, Duration every, BooleanSupplier condition) {
    long start = System.nanoTime();
    try {
      Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(every)
          .ignoreExceptions().until(condition::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what.get(), e);
    }
    return millisSince(start);
  }

  /**
   * Waits until {@code condition} holds or {@code timeout} passes; tells which. For callers that report
   * the outcome themselves (a matrix cell, "what arrived by then") rather than fail at once.
   */
  public static boolean holdsWithin(Duration timeout, BooleanSupplier condition) {
    return holdsWithin(timeout, EVERY, condition);
  }

  public static boolean holdsWithin(Duration timeout, Duration every, BooleanSupplier condition) {
    try {
      until("", timeout, every, condition);
      return true;
    } catch (AssertionError timedOut) {
      return false;
    }
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
