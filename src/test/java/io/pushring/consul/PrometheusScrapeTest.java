package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pushring.bus.RingPublisher;
import io.pushring.ring.Member;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.Await;
import io.pushring.testing.consul.ConsulFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * Issue 3, the Prometheus side: a REAL Prometheus runs the scrape configuration of
 * {@code conf/prometheus.yml} against real Pushgateways registered in Consul, and through its HTTP API
 * ({@code /api/v1/targets}, {@code /api/v1/query}) it must discover and scrape (health "up") every
 * registered Pushgateway: the three pushring's registrar registered and a fourth whose Consul check
 * fails (critical: out of pushring's ring, yet scraped, because a sick Pushgateway still holds data);
 * a group pushed through pushring must come back with its own job label (honor_labels) and the
 * {@code pushgateway} label of the Pushgateway that holds it; the pushring job scrapes pushring.
 *
 * <p>Two variants of the same checks: {@link #prometheusConsulSdScrapesEveryRegisteredPushgateway()}
 * runs {@code conf/prometheus.yml} as written (consul_sd_configs). Debian's Prometheus (bookworm 2.42,
 * also trixie 2.53) is built WITHOUT Consul SD ("Disable Consul SD until its Debian package is back
 * in shape", Debian changelog), so that variant is skipped unless the binary accepts consul_sd_configs
 * (point env {@value PrometheusProcess#ENV} at one that does). {@link
 * #prometheusScrapesEveryRegisteredPushgatewayThroughHttpSd()} swaps only the discovery for
 * http_sd_configs fed by {@link ConsulHttpSdBridge}, so the real Prometheus runs everywhere.
 */
class PrometheusScrapeTest {
  private static final String SICK_CHECK_PATH = "/-/no-such-health-endpoint"; // 404: the check is critical

  @RegisterExtension
  final ConsulFleet env = ConsulFleet.withPushgateways(3);

  private ConsulFixture consul;
  private Fleet fleet;
  private Vertx vertx;
  private String service;
  private int port;
  private Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private int sick;
  private String pushedPath;
  private String pushedOwner;

  @BeforeEach
  void start() {
    assumeTrue(Files.isExecutable(PrometheusProcess.binary()),
        PrometheusProcess.binary() + " missing: `make test` installs Debian's prometheus (apt-get install prometheus)");
    consul = env.consul();
    fleet = env.fleet();
    service = env.service();
    ConsulFleet.Pushring pushring = env.deployRegisteringFleet();
    vertx = pushring.vertx();
    port = pushring.port();
    sick = fleet.add();
    PushgatewayProcess sickPg = fleet.get(sick);
    consul.registerService(fleet.id(sick), service, sickPg.host(), sickPg.port(),
        sickPg.baseUrl() + SICK_CHECK_PATH, "1s", null);
    Set<String> healthy = new TreeSet<>(fleet.ids());
    healthy.remove(fleet.id(sick));
    Await.until("pushring's ring to hold the 3 passing Pushgateways", Duration.ofSeconds(15),
        () -> ringIds().equals(healthy));
    Await.until("Consul to hold 4 registered Pushgateways, 3 passing", Duration.ofSeconds(15),
        () -> consul.allServiceIds(service).size() == 4 && consul.passingServiceIds(service).equals(List.copyOf(healthy)));
    // One group pushed the way clients push: to pushring, then to where its 307 points.
    pushedPath = "/metrics/job/prom-scrape-test/instance/batch-7";
    String location;
    try (Locations locations = new Locations()) {
      location = locations.put(port, pushedPath);
    }
    for (int i = 0; i < fleet.size(); i++) {
      if (location.equals(fleet.get(i).baseUrl() + pushedPath)) {
        assertThat(fleet.get(i).put(pushedPath, "prom_scrape_test_total 42\n").status()).isEqualTo(200);
        pushedOwner = fleet.id(i);
      }
    }
    assertThat(pushedOwner).as("owner of " + pushedPath + " (redirected to " + location + ")").isNotNull();
    dir = Path.of(System.getenv().getOrDefault("PUSHRING_TEST_BUILD_DIR", "target"), "prometheus-" + UUID.randomUUID());
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : toClose) c.close();
  }

  @Test
  void prometheusConsulSdScrapesEveryRegisteredPushgateway() {
    Map<String, Object> config = config();
    Map<String, Object> sd = single(job(config, "pushgateway"), "consul_sd_configs");
    sd.put("server", consul.hostPort());
    sd.put("services", List.of(service));
    sd.put("refresh_interval", "1s");
    String token = System.getenv(ConsulFixture.TOKEN_ENV);
    if (token != null && !token.isBlank()) sd.put("token", token.trim());
    PrometheusProcess prometheus;
    try {
      prometheus = PrometheusProcess.start(write(config), dir);
    } catch (PrometheusProcess.Exited e) {
      assumeTrue(!e.getMessage().contains("consul_sd_configs not found"), PrometheusProcess.binary()
          + " is built without Consul SD (Debian's are: \"Disable Consul SD until its Debian package is back in"
          + " shape\"); set " + PrometheusProcess.ENV + " to a Prometheus that has it to run this variant");
      throw e;
    }
    toClose.add(0, prometheus);
    assertScrapesEveryRegisteredPushgateway(prometheus, "consul_sd_configs");
  }

  @Test
  void prometheusScrapesEveryRegisteredPushgatewayThroughHttpSd() {
    ConsulHttpSdBridge bridge = new ConsulHttpSdBridge(consul.hostPort(), service);
    toClose.add(bridge);
    Map<String, Object> config = config();
    Map<String, Object> job = job(config, "pushgateway");
    assertThat(job.remove("consul_sd_configs")).as("conf/prometheus.yml discovers the fleet with consul_sd_configs")
        .isNotNull();
    job.put("http_sd_configs", List.of(new TreeMap<>(Map.of("url", bridge.url(), "refresh_interval", "1s"))));
    PrometheusProcess prometheus = PrometheusProcess.start(write(config), dir);
    toClose.add(0, prometheus);
    assertScrapesEveryRegisteredPushgateway(prometheus, "http_sd_configs (Consul SD stand-in)");
  }

  private void assertScrapesEveryRegisteredPushgateway(PrometheusProcess prometheus, String discovery) {
    Map<String, String> expected = new TreeMap<>(); // scrape address -> Consul service ID
    for (int i = 0; i < fleet.size(); i++) expected.put(fleet.get(i).host() + ":" + fleet.get(i).port(), fleet.id(i));
    long took = Await.until(() -> "every registered Pushgateway up in " + prometheus.baseUrl() + "/api/v1/targets: "
            + pushgatewayTargets(prometheus), Duration.ofSeconds(30),
        () -> {
          Map<String, JsonObject> targets = pushgatewayTargets(prometheus);
          return targets.keySet().equals(expected.keySet())
              && targets.values().stream().allMatch(t -> "up".equals(t.getString("health")));
        });
    Map<String, JsonObject> targets = pushgatewayTargets(prometheus);
    for (Map.Entry<String, JsonObject> t : targets.entrySet()) {
      assertThat(t.getValue().getJsonObject("labels").getString("pushgateway")).as("pushgateway label of " + t.getKey())
          .isEqualTo(expected.get(t.getKey()));
    }
    String sickAddress = fleet.get(sick).host() + ":" + fleet.get(sick).port();
    assertThat(targets.get(sickAddress).getJsonObject("discoveredLabels").getString("__meta_consul_health"))
        .as("the 4th Pushgateway is critical in Consul, yet scraped").isEqualTo("critical");
    assertThat(ringIds()).as("pushring does not route to it").doesNotContain(fleet.id(sick));

    // honor_labels: the pushed group keeps its own job; the pushgateway label says where it lives.
    JsonObject[] series = new JsonObject[1];
    Await.until("the pushed group in Prometheus", Duration.ofSeconds(20), () -> {
      var result = prometheus.query("prom_scrape_test_total").getJsonArray("result");
      if (result.isEmpty()) return false;
      series[0] = result.getJsonObject(0).getJsonObject("metric");
      return true;
    });
    assertThat(series[0].getString("job")).as("job label of the pushed group (honor_labels)").isEqualTo("prom-scrape-test");
    assertThat(series[0].getString("instance")).isEqualTo("batch-7");
    assertThat(series[0].getString("pushgateway")).isEqualTo(pushedOwner);
    System.out.printf("[prometheus] %s via %s on %s: %d registered Pushgateways (1 critical) all scraped \"up\""
            + " after %d ms; pushed group came back as %s (pid %d)%n",
        PrometheusProcess.binary(), discovery, consul.kind(), targets.size(), took, series[0].encode(), prometheus.pid());
    Await.until(() -> "pushring's own target up: " + jobTargets(prometheus, "pushring"), Duration.ofSeconds(20),
        () -> jobTargets(prometheus, "pushring").values().stream().anyMatch(t -> "up".equals(t.getString("health"))));
  }

  private Map<String, JsonObject> pushgatewayTargets(PrometheusProcess prometheus) {
    return jobTargets(prometheus, "pushgateway");
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

  /** conf/prometheus.yml, scraping every second, with pushring's job pointed at this pushring. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> config() {
    Map<String, Object> config;
    try {
      config = new Yaml().load(Files.readString(Path.of("conf/prometheus.yml")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ((Map<String, Object>) config.get("global")).put("scrape_interval", "1s");
    Map<String, Object> pushring = job(config, "pushring");
    single(pushring, "static_configs").put("targets", List.of("127.0.0.1:" + port));
    return config;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> job(Map<String, Object> config, String name) {
    for (Object each : (List<Object>) config.get("scrape_configs")) {
      Map<String, Object> job = (Map<String, Object>) each;
      if (name.equals(job.get("job_name"))) return job;
    }
    throw new AssertionError("conf/prometheus.yml has no job " + name);
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

  private Set<String> ringIds() {
    Set<String> ids = new TreeSet<>();
    var ring = RingPublisher.current(vertx);
    if (ring != null) for (Member m : ring.members()) ids.add(m.id());
    return ids;
  }
}
