package io.pushring.reshard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pushring.consul.ConsulFleet;
import io.pushring.consul.PrometheusProcess;
import io.pushring.testing.Await;
import io.vertx.core.json.JsonArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10, what Prometheus sees: a real Prometheus scrapes the fleet every second with the shipped
 * {@code conf/prometheus.yml} (rewritten for addresses and intervals only) while counters increase
 * through pushring (proxy mode) across a kill, a return with the persistence file and a scale-out
 * 3 → 4. Over the whole run: {@code resets()} 0 for every series, one series per group, the summed
 * {@code increase()} within 3 % of the increments pushed; after the reconcile no group on two
 * Pushgateways; no failed push.
 *
 * <p>The counters start at 0 (a fresh counter), so {@code increase()} does not extrapolate before the
 * first sample; it may extrapolate after the last one by at most a scrape interval at the average
 * rate (the range ends seconds after the last push, all series flat by then): about 1/60 of the
 * increase over this run, inside the 3 %.
 */
class PrometheusAcrossChangesTest {
  private static final int COUNTERS = ReshardHarness.COUNTERS;
  private static final int ONCE = ReshardHarness.ONCE;

  @RegisterExtension
  final ConsulFleet env = ConsulFleet.withPersistentPushgateways(4);

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : toClose) c.close();
  }

  @Test
  void acrossAKillAReturnAndAScaleOutPrometheusSeesNoResetOneSeriesPerGroupAndTheIncreasePushed() {
    assumeTrue(Files.isExecutable(PrometheusProcess.binary()),
        PrometheusProcess.binary() + " missing: `make test` installs Debian's prometheus (apt-get install prometheus)");
    ReshardHarness harness = new ReshardHarness(env, 3, COUNTERS, ONCE);
    toClose.add(harness);
    ShippedScrapeConfig config = ShippedScrapeConfig.rewrite(harness.port());
    Path dir = Path.of(System.getenv().getOrDefault("PUSHRING_TEST_BUILD_DIR", "target"), "prometheus-" + UUID.randomUUID());
    PrometheusProcess prometheus = PrometheusProcess.start(config.write(dir), dir);
    toClose.add(0, prometheus);

    Workload clients = harness.workload();
    long runStart = System.nanoTime();
    clients.seed();
    java.time.Instant seeded = java.time.Instant.now();
    harness.awaitClean("steady state, 3 Pushgateways", runStart);
    long seen = Await.until(() -> "Prometheus to hold every counter group: " + groupsNow(prometheus), Duration.ofSeconds(30),
        Duration.ofMillis(250), () -> groupsNow(prometheus) == COUNTERS);
    System.out.printf("[reshard] Prometheus (%s) holds all %d counter groups %d ms after the fleet was clean%n",
        config.discovery(), COUNTERS, seen);
    // Only now do the counters rise: every series' first sample is its 0, so increase() over the run
    // sees every increment. (Started before, the increments before a series' first scrape are
    // invisible to Prometheus: one run measured -11 % so, depending on when the first scrapes came.)
    clients.start();

    int victim = 1;
    // The once-pushed groups must be in its file before the crash: a Pushgateway loses with a SIGKILL
    // what it acknowledged within its last persistence interval (a run killed 0.4 s after them lost 6).
    harness.fleet().awaitPersistedAfter(victim, seeded, Duration.ofSeconds(10));
    harness.fleet().kill(victim);
    harness.awaitRing(Duration.ofSeconds(10));
    clients.awaitRounds(2, Duration.ofSeconds(30));
    harness.fleet().restart(victim);
    harness.awaitRing(Duration.ofSeconds(10));
    long returned = harness.awaitClean("return of " + harness.fleet().id(victim) + " (Prometheus scraping)", System.nanoTime());

    harness.register(3);
    harness.awaitRing(Duration.ofSeconds(10));
    long scaledOut = harness.awaitClean("scale-out 3 -> 4 (Prometheus scraping)", System.nanoTime());

    FleetState.Verdict exact = harness.stopAndCheckExactly();
    long pushed = clients.incrementsAcked();
    // The last values scraped: every group's newest value in Prometheus (whatever series it is in).
    boolean lastScraped = Await.holdsWithin(Duration.ofSeconds(20), Duration.ofMillis(250),
        () -> value(prometheus, "sum(max by (job, instance) (" + Workload.COUNTER + "))") == pushed);
    Await.sleep(2_000); // two more scrapes of the flat, final values: the range ends after the last change
    long range = (Await.millisSince(runStart) + 999) / 1000 + 2;
    String window = Workload.COUNTER + "[" + range + "s]";
    double resets = value(prometheus, "sum(resets(" + window + "))");
    double seriesWithResets = value(prometheus, "count(resets(" + window + ") > 0)");
    double series = value(prometheus, "count(count_over_time(" + window + "))");
    double groups = value(prometheus, "count(count by (job, instance) (count_over_time(" + window + ")))");
    double increase = value(prometheus, "sum(increase(" + window + "))");
    double duplicatedNow = value(prometheus, "count(count by (job, instance) (" + Workload.COUNTER + ") > 1)");
    double onceNow = value(prometheus, "count(count by (job, instance) (" + Workload.LAST_SUCCESS + "))");
    double deviation = pushed == 0 ? Double.NaN : (increase - pushed) / pushed;
    System.out.printf("[reshard] Prometheus over the run (%d s, %s, per-Pushgateway label on pushed series: %s):"
            + " resets() total %.0f in %.0f series; %.0f series for %.0f groups (of %d); sum(increase()) %.0f vs %d pushed"
            + " (%+.2f %%); groups in two series now %.0f; once groups now %.0f of %d; last values scraped: %s;"
            + " return clean after %d ms, scale-out after %d ms; %s; reconciler totals %s%n",
        range, config.discovery(), config.labelsSeriesPerPushgateway(), resets, seriesWithResets, series, groups, COUNTERS,
        increase, pushed, 100 * deviation, duplicatedNow, onceNow, ONCE, lastScraped, returned, scaledOut,
        clients.summary(), harness.reconcileTotals());

    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(exact.clean()).as("fleet after the clients stopped: %s", exact).isTrue();
    soft.assertThat(lastScraped).as("Prometheus scraped every group's last value").isTrue();
    soft.assertThat(resets).as("resets() over the run, all series").isZero();
    soft.assertThat(series).as("series of %s over the run (one per group)", Workload.COUNTER).isEqualTo(COUNTERS);
    soft.assertThat(groups).as("groups seen").isEqualTo(COUNTERS);
    soft.assertThat(Math.abs(deviation)).as("sum(increase()) %.0f vs %d increments pushed", increase, pushed).isLessThanOrEqualTo(0.03);
    soft.assertThat(duplicatedNow).as("groups exported by two Pushgateways after the reconcile").isZero();
    soft.assertThat(onceNow).as("once-pushed groups in Prometheus at the end").isEqualTo(ONCE);
    soft.assertThat(clients.failures()).as("failed pushes in proxy mode: %s, e.g. %s", clients.failureKinds(), clients.failureExamples()).isZero();
    soft.assertAll();
    assertThat(returned).isNotNegative();
    assertThat(scaledOut).isNotNegative();
  }

  /** Counter groups Prometheus holds now. */
  private static long groupsNow(PrometheusProcess prometheus) {
    return (long) value(prometheus, "count(count by (job, instance) (" + Workload.COUNTER + "))");
  }

  /** The single value of an instant query; 0 for an empty result. */
  private static double value(PrometheusProcess prometheus, String promql) {
    JsonArray result = prometheus.query(promql).getJsonArray("result");
    if (result.isEmpty()) return 0;
    return Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1));
  }
}
