package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pushring.discovery.ConsulDiscoveryVerticle;
import io.pushring.bus.DiscoveryStatus;
import io.pushring.bus.RingPublisher;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.JdkHttp;
import io.pushring.testing.consul.ConsulFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3, Consul outage: Consul goes away for 30 s while clients keep pushing. pushring keeps
 * routing on the last ring (no request fails because of the outage), says its ring is stale, and
 * picks up where it left off when Consul comes back, without a restart.
 */
class ConsulOutageTest {
  /** The figure. Long enough for the backoff to reach its cap (10 s) and stay there. */
  private static final Duration OUTAGE = Duration.ofSeconds(30);

  @RegisterExtension
  final ConsulFleet env = ConsulFleet.withPushgateways(3);

  private ConsulFixture consul;
  private Fleet fleet;
  private Vertx vertx;
  private final JdkHttp http = new JdkHttp();
  private String service;
  private int port;

  @BeforeEach
  void start() {
    consul = env.consul();
    fleet = env.fleet();
    service = env.service();
    ConsulFleet.Pushring pushring = env.deployRegisteringFleet();
    vertx = pushring.vertx();
    port = pushring.port();
  }

  @Test
  void routingGoesOnWithTheLastRingWhileConsulIsDownAndTheLoopResumesWhenItIsBack() {
    assumeTrue(consul.canRestart(), consul.restartUnsupportedReason());
    Await.until("ring of 3", Duration.ofSeconds(15), () -> ids(ring()).equals(new TreeSet<>(fleet.ids())));
    Ring last = ring();
    List<String> paths = Keys.paths("outage", 500);
    Map<String, String> expected = new HashMap<>();
    for (Map.Entry<String, String> e : Keys.owners(last, paths).entrySet()) {
      expected.put(e.getKey(), baseUrl(last, e.getValue()) + e.getKey());
    }

    try (Pusher pusher = Pusher.start(port, paths, expected)) {
      Await.sleep(1_000); // some traffic before the outage too
      long down = System.nanoTime();
      consul.stop();
      long stale = Await.until("discovery to report a stale ring", Duration.ofSeconds(10),
          () -> discovery().getBoolean("stale"));
      System.out.printf("[outage] %s stopped: /api/v1/ring says stale after %d ms%n", consul.kind(), stale);
      assertThat(http.get(port, "/-/ready").status()).as("/-/ready with a stale, non-empty ring").isEqualTo(200);
      Await.sleep(OUTAGE.toMillis() - Await.millisSince(down));
      JsonObject during = discovery();
      int failedQueries = during.getInteger("consecutiveFailures");
      assertThat(during.getString("state")).isEqualTo("failing");
      assertThat(ring()).as("the ring in service during the outage").isSameAs(last);
      long servedDuringOutage = pusher.ok.get();

      consul.restart();
      long resumeBound = ConsulDiscoveryVerticle.BACKOFF.capMillis() + 3_000;
      long resumed = Await.until("discovery to answer again", Duration.ofMillis(resumeBound),
          () -> !discovery().getBoolean("stale"));
      pusher.stop();
      System.out.printf("[outage] %d s outage: %d pushes answered 307 to the last ring's owner, %d failed;"
              + " %d Consul queries failed during it (backoff bound %d); loop answered again %d ms after"
              + " Consul came back (backoff cap %d ms)%n",
          OUTAGE.toSeconds(), pusher.ok.get(), pusher.failed.get(), failedQueries,
          Bounds.failingAttemptsWithin(OUTAGE.toMillis()), resumed, ConsulDiscoveryVerticle.BACKOFF.capMillis());
      assertThat(pusher.failures()).as("pushes that failed during the outage").isEmpty();
      assertThat(servedDuringOutage).as("pushes answered").isGreaterThan(100);
      assertThat(failedQueries).as("failed Consul queries in %d s (no tight loop)", OUTAGE.toSeconds())
          .isBetween(1, Bounds.failingAttemptsWithin(OUTAGE.toMillis()));
    }

    // ---- a membership change after the outage is picked up by the same loop
    int added = fleet.add();
    long changed = System.nanoTime();
    consul.registerService(fleet.id(added), service, fleet.get(added).host(), fleet.get(added).port());
    Set<String> four = new TreeSet<>(fleet.ids());
    long picked = Await.until(() -> "ring " + ids(ring()) + " to become " + four, Duration.ofSeconds(30),
        () -> ids(ring()).equals(four));
    System.out.printf("[outage] after recovery: a 4th Pushgateway registered -> in the ring after %d ms%n",
        Await.millisSince(changed));
    assertThat(picked).isLessThan(30_000);
    Map<String, String> owners = Keys.owners(ring(), paths);
    assertThat(http.send("PUT", port, paths.get(0), "m 1\n").header("Location"))
        .isEqualTo(baseUrl(ring(), owners.get(paths.get(0))) + paths.get(0));
  }

  private Ring ring() {
    return RingPublisher.current(vertx);
  }

  private JsonObject discovery() {
    return new JsonObject(http.get(port, "/api/v1/ring").body()).getJsonObject("data").getJsonObject("discovery");
  }

  private static Set<String> ids(Ring ring) {
    Set<String> ids = new TreeSet<>();
    if (ring != null) for (Member m : ring.members()) ids.add(m.id());
    return ids;
  }

  private static String baseUrl(Ring ring, String id) {
    return ring.members().stream().filter(m -> m.id().equals(id)).map(m -> "http://" + m.address()).findFirst()
        .orElseThrow();
  }

  /**
   * A steady stream of pushes on a thread of its own, each checked against the ring from before the
   * outage: a 307 to the owner it had then. Counts answers and keeps the first few failures.
   */
  static final class Pusher implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    private final List<String> failures = new ArrayList<>();
    private final AtomicReference<Throwable> crash = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;

    private Pusher(int port, List<String> paths, Map<String, String> expected) {
      SocketHttp client = new SocketHttp(port);
      thread = new Thread(() -> {
        try {
          for (int i = 0; running; i++) {
            String path = paths.get(i % paths.size());
            String outcome;
            try {
              SocketHttp.Response r = client.send("PUT", path, "outage_test 1\n");
              outcome = r.status() == 307 && expected.get(path).equals(r.header("Location"))
                  ? null : r.status() + " " + r.header("Location") + " " + r.body();
            } catch (RuntimeException e) {
              outcome = e.toString();
            }
            if (outcome == null) {
              ok.incrementAndGet();
            } else {
              failed.incrementAndGet();
              synchronized (failures) {
                if (failures.size() < 10) failures.add(path + ": " + outcome);
              }
            }
            Await.sleep(5);
          }
        } catch (Throwable t) {
          crash.set(t);
        } finally {
          client.close();
        }
      }, "outage-pusher");
      thread.start();
    }

    static Pusher start(int port, List<String> paths, Map<String, String> expected) {
      return new Pusher(port, paths, expected);
    }

    List<String> failures() {
      synchronized (failures) {
        List<String> all = new ArrayList<>(failures);
        if (crash.get() != null) all.add("pusher crashed: " + crash.get());
        return all;
      }
    }

    void stop() {
      running = false;
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      stop();
    }
  }
}
