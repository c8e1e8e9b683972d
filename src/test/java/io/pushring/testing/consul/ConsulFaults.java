package io.pushring.testing.consul;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * Fault injection for {@link ConsulTestServer}, for the failure modes a Consul client must survive.
 * Every method may be called from any thread and takes effect for the next request that arrives.
 *
 * <ul>
 *   <li>{@link #resetIndex()}: the index goes backwards (to 1, then grows), as after a raft snapshot
 *       restore; blocked queries are released at once with the low index;
 *   <li>{@link #stall(Duration)}: every response is held that long before it is handled, like
 *       {@code BrokenConsul.SlowHttpServer} in vertx-consul-client's tests;
 *   <li>{@link #cutConnections(int)}: the next n requests get a 200 announcing {@code Content-Length:
 *       10000}, a few bytes, then the connection is closed ({@code BrokenConsul.BrokenHttpServer});
 *   <li>{@link #failWith(int, int)}: the next n requests get that status with a Consul-style RPC error
 *       body ("rpc error making call: No cluster leader");
 *   <li>{@link #requestCount(String)}: requests seen per path prefix (faulted ones included), so a
 *       test can assert that a client does not spin in a tight loop.
 * </ul>
 */
public final class ConsulFaults implements TcpFaults {
  /** The body Consul answers when no leader can serve the RPC. */
  public static final String RPC_ERROR = "rpc error making call: No cluster leader";

  /** A countdown of requests to fault, limited to paths starting with {@code prefix}. */
  record Budget(int remaining, int status, String prefix) {
    boolean matches(String path) {
      return remaining > 0 && path.startsWith(prefix);
    }
  }

  private static final Budget NONE = new Budget(0, 0, "");

  private final AtomicReference<Duration> stall = new AtomicReference<>(Duration.ZERO);
  private final AtomicReference<Budget> cuts = new AtomicReference<>(NONE);
  private final AtomicReference<Budget> failures = new AtomicReference<>(NONE);
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final LongConsumer indexReset;

  ConsulFaults(LongConsumer indexReset) {
    this.indexReset = indexReset;
  }

  /** Index goes back to 1 (and grows from there); blocked queries return at once with it. */
  public void resetIndex() {
    resetIndex(1);
  }

  /** Index goes back to {@code to} (at least 1); blocked queries return at once with it. */
  public void resetIndex(long to) {
    indexReset.accept(to);
  }

  /** Holds every response {@code delay} before handling it, until cleared; ZERO clears. */
  public void stall(Duration delay) {
    stall.set(delay.isNegative() ? Duration.ZERO : delay);
  }

  /** The next {@code n} requests are cut mid-body. */
  public void cutConnections(int n) {
    cutConnections(n, "/");
  }

  /** The next {@code n} requests whose path starts with {@code pathPrefix} are cut mid-body. */
  public void cutConnections(int n, String pathPrefix) {
    cuts.set(new Budget(n, 200, pathPrefix));
  }

  /** The next {@code n} requests answer {@code status} with {@value #RPC_ERROR}. */
  public void failWith(int status, int n) {
    failWith(status, n, "/");
  }

  /** As {@link #failWith(int, int)}, only for paths starting with {@code pathPrefix}. */
  public void failWith(int status, int n, String pathPrefix) {
    failures.set(new Budget(n, status, pathPrefix));
  }

  /** Stall, cuts and failures off (counters and the index are left alone). */
  public void clearFaults() {
    stall.set(Duration.ZERO);
    cuts.set(NONE);
    failures.set(NONE);
  }

  /** Requests received whose path starts with {@code pathPrefix}, faulted or not. */
  public long requestCount(String pathPrefix) {
    long total = 0;
    for (Map.Entry<String, LongAdder> e : counts.entrySet()) {
      if (e.getKey().startsWith(pathPrefix)) {
        total += e.getValue().sum();
      }
    }
    return total;
  }

  public void resetCounters() {
    counts.clear();
  }

  // ---- used by the server, on its context ----

  void count(String path) {
    counts.computeIfAbsent(path, p -> new LongAdder()).increment();
  }

  Duration currentStall() {
    return stall.get();
  }

  /** Consumes one cut if one is due for this path. */
  boolean takeCut(String path) {
    return take(cuts, path) != null;
  }

  /** Consumes one failure if one is due for this path; returns its status, or 0. */
  int takeFailure(String path) {
    Budget taken = take(failures, path);
    return taken == null ? 0 : taken.status();
  }

  private static Budget take(AtomicReference<Budget> ref, String path) {
    while (true) {
      Budget current = ref.get();
      if (!current.matches(path)) {
        return null;
      }
      Budget next = new Budget(current.remaining() - 1, current.status(), current.prefix());
      if (ref.compareAndSet(current, next)) {
        return current;
      }
    }
  }
}
