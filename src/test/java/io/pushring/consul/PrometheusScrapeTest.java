package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.testing.Await;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.consul.ConsulFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The Prometheus side, with a REAL Prometheus (Debian's 2.42) running the scrape configuration of
 * {@code conf/prometheus.yml} as shipped (only its addresses and the scrape interval changed):
 * pushring in Consul mode with the reconciler on, three real Pushgateways its registrar registered
 * and a fourth registered with a failing check. Prometheus discovers through pushring's
 * {@code GET /sd/pushgateways} exactly the admitted members (not the critical one, which is out of
 * the ring); a group pushed through pushring comes back with its own labels only (honor_labels, no
 * per-Pushgateway label); a group pushed without an instance label and moved by the reconciler from
 * one Pushgateway to another is ONE series in Prometheus's TSDB, while {@code up} keeps one series per
 * Pushgateway; and the pushring job scrapes pushring.
 */
class PrometheusScrapeTest {
  private static final String SICK_CHECK_PATH = "/-/no-such-health-endpoint"; // 404: the check is critical
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @RegisterExtension
  final ConsulFleet env = ConsulFleet.withPushgateways(3);

  private ConsulFixture consul;
  private Fleet fleet;
  private ConsulFleet.Pushring pushring;
  private int port;
  private Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private int sick;

  @BeforeEach
  void start() {
    assumeTrue(Files.isExecutable(PrometheusProcess.binary()),
        PrometheusProcess.binary() + " missing: `make test` installs Debian's prometheus (apt-get install prometheus)");
    consul = env.consul();
    fleet = env.fleet();
    pushring = env.deployRegisteringFleet(
        "PUSHRING_RECONCILE_ENABLED", "true",
        "PUSHRING_RECONCILE_INTERVAL", "1s",
        "PUSHRING_RECONCILE_SETTLE", "300ms",
        "PUSHRING_RECONCILE_QUIET", "6s",
        "PUSHRING_RECONCILE_RATE", "500",
        "PUSHRING_RECONCILE_LOCK_TTL", "2s",
        "PUSHRING_RECONCILE_LOCK_LOCK_DELAY", "1s");
    port = pushring.port();
    sick = fleet.add();
    PushgatewayProcess sickPg = fleet.get(sick);
    consul.registerService(fleet.id(sick), env.service(), sickPg.host(), sickPg.port(),
        sickPg.baseUrl() + SICK_CHECK_PATH, "1s", null);
    Set<String> healthy = new TreeSet<>(fleet.ids());
    healthy.remove(fleet.id(sick));
    Await.until("pushring's ring to hold the 3 passing Pushgateways", Duration.ofSeconds(15),
        () -> pushring.ringIds().equals(healthy));
    dir = Path.of(System.getenv().getOrDefault("PUSHRING_TEST_BUILD_DIR", "target"), "prometheus-" + UUID.randomUUID());
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : toClose) c.close();
  }

  @Test
  void prometheusScrapesTheAdmittedPushgatewaysAndAMovedGroupStaysOneSeries() throws Exception {
    long t0 = System.currentTimeMillis() / 1000 - 1;
    PrometheusProcess prometheus = PrometheusProcess.start(write(config()), dir);
    toClose.add(0, prometheus);

    // Discovery: exactly the admitted members, all up; not the critical one (out of the ring).
    Map<String, String> expected = new TreeMap<>(); // scrape address -> member id
    for (int i = 0; i < fleet.size(); i++) {
      if (i != sick) expected.put(fleet.get(i).host() + ":" + fleet.get(i).port(), fleet.id(i));
    }
    long took = Await.until(() -> "the admitted Pushgateways up in " + prometheus.baseUrl() + "/api/v1/targets: "
        + jobTargets(prometheus, "pushgateway").keySet() + ", pushring lists " + sd(), Duration.ofSeconds(30), () -> {
          Map<String, JsonObject> targets = jobTargets(prometheus, "pushgateway");
          return targets.keySet().equals(expected.keySet())
              && targets.values().stream().allMatch(t -> "up".equals(t.getString("health")));
        });
    Map<String, JsonObject> targets = jobTargets(prometheus, "pushgateway");
    for (Map.Entry<String, JsonObject> t : targets.entrySet()) {
      assertThat(t.getValue().getJsonObject("discoveredLabels").getString("__meta_pushring_member_id"))
          .as("discovered member id of " + t.getKey()).isEqualTo(expected.get(t.getKey()));
      assertThat(t.getValue().getJsonObject("labels").fieldNames()).as("target labels of " + t.getKey())
          .containsExactlyInAnyOrder("job", "instance");
    }
    assertThat(ids(sd())).as("what pushring lists").isEqualTo(new TreeSet<>(expected.values()));

    // honor_labels: a group pushed through pushring keeps its own job and instance, and gains nothing.
    String path = "/metrics/job/prom-scrape-test/instance/batch-7";
    try (Locations locations = new Locations()) {
      String location = locations.put(port, path);
      assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(location)).PUT(HttpRequest.BodyPublishers.ofString(
          "prom_scrape_test_total 42\n")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
    JsonObject[] series = new JsonObject[1];
    Await.until("the pushed group in Prometheus", Duration.ofSeconds(20), () -> {
      JsonArray result = prometheus.query("prom_scrape_test_total").getJsonArray("result");
      if (result.isEmpty()) return false;
      series[0] = result.getJsonObject(0).getJsonObject("metric");
      return true;
    });
    assertThat(series[0].getMap()).isEqualTo(Map.of("__name__", "prom_scrape_test_total", "job", "prom-scrape-test",
        "instance", "batch-7"));

    // A group pushed without an instance label, first exported by a non-owner, then moved to its owner by the reconciler.
    String moved = "/metrics/job/prom-moved-group";
    GroupingKey key = GroupingKeyParser.parse(moved);
    Member owner = pushring.ring().route(key);
    int from = -1;
    for (int i = 0; i < fleet.size(); i++) if (i != sick && !fleet.id(i).equals(owner.id())) from = i;
    int fromIndex = from;
    int ownerIndex = fleet.ids().indexOf(owner.id());
    assertThat(fleet.get(from).put(moved, "# TYPE prom_moved_total counter\nprom_moved_total 7\n").status()).isEqualTo(200);
    Await.until("Prometheus to scrape the group from the non-owner", Duration.ofSeconds(20),
        () -> !prometheus.query("prom_moved_total").getJsonArray("result").isEmpty());
    assertThat(holds(fleet.get(fromIndex), "prom-moved-group")).as("still on the non-owner when first scraped").isTrue();
    Await.until("the reconciler to move the group to its owner (quiet 6s)", Duration.ofSeconds(30),
        () -> holds(fleet.get(ownerIndex), "prom-moved-group") && !holds(fleet.get(fromIndex), "prom-moved-group"));
    long movedAt = System.currentTimeMillis() / 1000;
    Await.until("Prometheus to scrape the group from its owner", Duration.ofSeconds(20),
        () -> scrapedAfter(prometheus, "prom_moved_total", movedAt + 2));
    long t1 = System.currentTimeMillis() / 1000 + 1;
    JsonArray movedSeries = prometheus.series("prom_moved_total", t0, t1);
    assertThat(movedSeries).as("series of the moved group over the whole run").hasSize(1);
    assertThat(movedSeries.getJsonObject(0).getMap()).isEqualTo(Map.of("__name__", "prom_moved_total", "job", "prom-moved-group"));
    assertThat(prometheus.query("resets(prom_moved_total[5m])").getJsonArray("result").getJsonObject(0)
        .getJsonArray("value").getString(1)).as("resets() of the moved group").isEqualTo("0");
    JsonArray up = prometheus.series("up{job=\"pushgateway\"}", t0, t1);
    assertThat(up).as("up: one series per scraped Pushgateway").hasSize(3);
    Set<String> upInstances = new TreeSet<>();
    for (Object u : up) upInstances.add(((JsonObject) u).getString("instance"));
    assertThat(upInstances).isEqualTo(expected.keySet());
    System.out.printf("[prometheus] %s on %s: %d admitted Pushgateways discovered through pushring and up after %d ms"
            + " (the critical one not scraped); a group moved %s -> %s by the reconciler is 1 series, resets() 0;"
            + " up has %d series (pid %d)%n", PrometheusProcess.binary(), consul.kind(), targets.size(), took,
        fleet.id(fromIndex), owner.id(), up.size(), prometheus.pid());

    Await.until(() -> "pushring's own target up: " + jobTargets(prometheus, "pushring"), Duration.ofSeconds(20),
        () -> jobTargets(prometheus, "pushring").values().stream().anyMatch(t -> "up".equals(t.getString("health"))));
  }

  private static boolean holds(PushgatewayProcess pg, String job) {
    return pg.groups().stream().anyMatch(g -> job.equals(g.get("job")));
  }

  /** The newest sample of {@code metric} was scraped at or after {@code epochSeconds}. */
  private static boolean scrapedAfter(PrometheusProcess prometheus, String metric, long epochSeconds) {
    JsonArray result = prometheus.query("timestamp(" + metric + ")").getJsonArray("result");
    return !result.isEmpty() && Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1)) >= epochSeconds;
  }

  private String sd() {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sd/pushgateways"))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Set<String> ids(String sd) {
    Set<String> ids = new TreeSet<>();
    for (Object g : new JsonArray(sd)) ids.add(((JsonObject) g).getJsonObject("labels").getString("__meta_pushring_member_id"));
    return ids;
  }

  /** Active targets of {@code job}, by scrape address. */
  private static Map<String, JsonObject> jobTargets(PrometheusProcess prometheus, String job) {
    Map<String, JsonObject> out = new TreeMap<>();
    for (Object each : prometheus.targets().getJsonArray("activeTargets")) {
      JsonObject t = (JsonObject) each;
      if (job.equals(t.getString("scrapePool"))) out.put(t.getJsonObject("labels").getString("instance"), t);
    }
    return out;
  }

  /** conf/prometheus.yml, scraping every second, its SD and pushring job pointed at this pushring. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> config() {
    Map<String, Object> config;
    try {
      config = new Yaml().load(Files.readString(Path.of("conf/prometheus.yml")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ((Map<String, Object>) config.get("global")).put("scrape_interval", "1s");
    Map<String, Object> sd = single(PrometheusProcess.scrapeJob(config, "pushgateway"), "http_sd_configs");
    String url = (String) sd.get("url");
    assertThat(url).endsWith("127.0.0.1:9292/sd/pushgateways");
    sd.put("url", url.replace(":9292", ":" + port));
    sd.put("refresh_interval", "1s");
    single(PrometheusProcess.scrapeJob(config, "pushring"), "static_configs").put("targets", List.of("127.0.0.1:" + port));
    return config;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> single(Map<String, Object> job, String key) {
    List<Object> list = (List<Object>) job.get(key);
    assertThat(list).as(job.get("job_name") + "." + key).hasSize(1);
    return (Map<String, Object>) list.get(0);
  }

  private Path write(Map<String, Object> config) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve("prometheus.yml");
      Files.writeString(file, new Yaml(options).dump(config));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
