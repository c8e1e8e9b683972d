package io.pushring.reshard;

import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.testing.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The clients of a re-shard scenario, pushing through pushring with the JDK HttpClient on threads of
 * their own, as batch jobs and services do:
 *
 * <ul>
 *   <li>{@code counters} groups ({@code job="reshard"}, {@code instance="c<i>"}) each hold one counter,
 *       {@value #COUNTER}, that the client raises by {@value #INCREMENT} before every push and pushes
 *       whole (a Prometheus client's counter: cumulative, never reset by a failed push). Every group is
 *       pushed once per {@code round}, the groups split between {@code threads} threads, each group
 *       by one thread only, so the newest value of a group is well defined: the value of its last push
 *       answered 200 ({@link #acked}).
 *   <li>{@code once} groups ({@code job="reshard-once"}, {@code instance="b<i>"}) pushed a single time
 *       ({@link #pushOnce}) with a gauge {@value #LAST_SUCCESS}: the "last success" metric of a batch job
 *       that will not run again soon; nobody re-pushes it after a move.
 * </ul>
 *
 * Every push not answered 200 (or not answered) is counted, by kind, and the first ones are kept as examples.
 */
final class Workload implements AutoCloseable {
  static final String COUNTER = "reshard_work_total";
  static final String LAST_SUCCESS = "reshard_batch_last_success_timestamp_seconds";
  static final long INCREMENT = 3;
  /** The value of every once-pushed group. */
  static final long ONCE_VALUE = 1_700_000_000;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final int port;
  private final int counters;
  private final int once;
  private final int threads;
  private final Duration round;
  /** What each counter group's client counts (pushed or not). */
  private final AtomicLongArray counted;
  /** The value of the last push of each counter group answered 200. */
  private final AtomicLongArray acked;
  private final AtomicLong pushes = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong rounds = new AtomicLong();
  private final List<String> failureExamples = new CopyOnWriteArrayList<>();
  private final Map<String, Long> failureKinds = new ConcurrentHashMap<>();
  private final AtomicLong clientRetries = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean();
  private final List<Thread> pushers = new ArrayList<>();

  Workload(int port, int counters, int once, int threads, Duration round) {
    this.port = port;
    this.counters = counters;
    this.once = once;
    this.threads = threads;
    this.round = round;
    this.counted = new AtomicLongArray(counters);
    this.acked = new AtomicLongArray(counters);
  }

  static String counterPath(int i) {
    return "/metrics/job/reshard/instance/c" + i;
  }

  static String oncePath(int i) {
    return "/metrics/job/reshard-once/instance/b" + i;
  }

  /** Pushes every counter group once with its counter at 0 (a fresh counter) and every once group. */
  void seed() {
    for (int i = 0; i < counters; i++) push(counterPath(i), counterBody(0), i, 0);
    pushOnce();
  }

  /** Pushes the once groups, their only push. */
  void pushOnce() {
    for (int i = 0; i < once; i++) push(oncePath(i), "# TYPE " + LAST_SUCCESS + " gauge\n" + LAST_SUCCESS + " " + ONCE_VALUE + "\n", -1, 0);
  }

  /** Starts pushing every counter group once per round, until {@link #stop}. */
  void start() {
    if (!running.compareAndSet(false, true)) throw new IllegalStateException("already running");
    for (int t = 0; t < threads; t++) {
      int first = t;
      Thread pusher = new Thread(() -> pushRounds(first), "reshard-pusher-" + t);
      pusher.setDaemon(true);
      pushers.add(pusher);
      pusher.start();
    }
  }

  private void pushRounds(int first) {
    long next = System.nanoTime();
    while (running.get()) {
      for (int i = first; i < counters && running.get(); i += threads) {
        long value = counted.addAndGet(i, INCREMENT);
        push(counterPath(i), counterBody(value), i, value);
      }
      if (first == 0) rounds.incrementAndGet();
      // The pace of the workload (one push per group per round), not a synchronisation.
      next += round.toNanos();
      long wait = (next - System.nanoTime()) / 1_000_000;
      if (wait > 0) Await.sleep(wait);
      else next = System.nanoTime(); // late: the next round starts now, no burst to catch up
    }
  }

  /** Stops the pushers and waits for their last push to be answered. */
  void stop() {
    running.set(false);
    for (Thread t : pushers) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    pushers.clear();
  }

  /** Waits until every counter group was pushed (and answered) at least {@code n} more times. */
  void awaitRounds(int n, Duration timeout) {
    long target = rounds.get() + n + 1; // the round in progress may have passed some groups already
    Await.until(() -> "pushers to complete " + n + " rounds (at " + rounds.get() + " of " + target + ")", timeout,
        Duration.ofMillis(50), () -> rounds.get() >= target);
  }

  private static String counterBody(long value) {
    return "# TYPE " + COUNTER + " counter\n" + COUNTER + " " + value + "\n";
  }

  private void push(String path, String body, int counter, long value) {
    pushes.incrementAndGet();
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          if (counter >= 0) acked.set(counter, value);
          return;
        }
        failed(path, r.statusCode() + " " + r.body().strip());
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed(path, "interrupted");
        return;
      } catch (IOException e) {
        // The JDK client loses about 1 in 20,000 pooled keep-alive requests on its own (README, "Test
        // helpers": "header parser received no bytes"): retried once, as the same PUT, and counted apart;
        // an answer from pushring is never retried.
        if (attempt == 1) {
          clientRetries.incrementAndGet();
          continue;
        }
        failed(path, e.toString());
        return;
      }
    }
  }

  private void failed(String path, String what) {
    failures.incrementAndGet();
    // The kind without the port or the group: "502 Pushgateway unreachable: connection refused (...)".
    failureKinds.merge(what.replaceAll("\\(.*", "").replaceAll("\\d+\\.\\d+\\.\\d+\\.\\d+:\\d+", "<pg>").strip(), 1L, Long::sum);
    if (failureExamples.size() < 3) failureExamples.add(path + ": " + what);
  }

  /** Failed pushes by kind (status and message, addresses left out). */
  Map<String, Long> failureKinds() {
    return new TreeMap<>(failureKinds);
  }

  /** For a report: pushes, failures by kind, the client's own retries. */
  String summary() {
    return pushes.get() + " pushes in " + rounds.get() + " rounds of " + round.toMillis() + " ms planned, " + failures.get() + " failed " + failureKinds() + ", " + clientRetries.get()
        + " lost by the JDK client and sent again";
  }

  /** Pushes the JDK client lost on its own and sent again. */
  long clientRetries() {
    return clientRetries.get();
  }

  /** group -> the value the fleet must hold: counters their last acknowledged push, once groups theirs. */
  Map<GroupingKey, Long> expected() {
    Map<GroupingKey, Long> out = new HashMap<>();
    for (int i = 0; i < counters; i++) out.put(GroupingKeyParser.parse(counterPath(i)), acked.get(i));
    for (int i = 0; i < once; i++) out.put(GroupingKeyParser.parse(oncePath(i)), ONCE_VALUE);
    return out;
  }

  /**
   * group -> the highest value a Pushgateway may hold now: what each counter's client counted, its push
   * possibly still in flight; once groups their value. Read after a look at the fleet, with
   * {@link #expected()} before it, they bound what the look may have seen.
   */
  Map<GroupingKey, Long> counted() {
    Map<GroupingKey, Long> out = new HashMap<>();
    for (int i = 0; i < counters; i++) out.put(GroupingKeyParser.parse(counterPath(i)), counted.get(i));
    for (int i = 0; i < once; i++) out.put(GroupingKeyParser.parse(oncePath(i)), ONCE_VALUE);
    return out;
  }

  /** The sum of every counter's last acknowledged value: the increments pushed since the seed (at 0). */
  long incrementsAcked() {
    long sum = 0;
    for (int i = 0; i < counters; i++) sum += acked.get(i);
    return sum;
  }

  int groups() {
    return counters + once;
  }

  int counters() {
    return counters;
  }

  int once() {
    return once;
  }

  long pushes() {
    return pushes.get();
  }

  long failures() {
    return failures.get();
  }

  List<String> failureExamples() {
    return List.copyOf(failureExamples);
  }

  @Override
  public void close() {
    stop();
  }
}
