package io.pushring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.bus.RingPublisher;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.FreePorts;
import io.pushring.testing.JdkHttp;
import io.pushring.testing.JdkHttp.Response;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics}: valid Prometheus text (a real Prometheus scrapes it), and the request
 * counters follow the pushes routed, looked up, rejected and refused for want of a ring.
 */
class MetricsEndpointTest {
  private static final String MEMBERS = "10.0.0.1:9091,10.0.0.2:9091,10.0.0.3:9091";

  private Vertx vertx;
  private JdkHttp http;
  private int port;

  @BeforeEach
  void start() {
    vertx = PushringApp.newVertx();
    http = new JdkHttp();
    port = PushringApp.deploy(vertx, TestConfig.staticMembers(MEMBERS)).await().port();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private String owner(String path) {
    return RingPublisher.current(vertx).route(GroupingKeyParser.parse(path)).id();
  }

  private PromText scrape() {
    Response r = http.get(port, "/metrics");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("text/plain; version=0.0.4");
    return PromText.parse(r.body());
  }

  private void send(HttpMethod method, String path, int times, int expectedStatus) {
    for (int i = 0; i < times; i++) {
      assertThat(http.send(method.name(), port, path, method == HttpMethod.GET ? null : "m 1\n").status())
          .as("%s %s", method, path).isEqualTo(expectedStatus);
    }
  }

  @Test
  void aRealPrometheusScrapesItAndSeesTheCountersMove() throws Exception {
    String a = "/metrics/job/alpha/instance/a";
    String b = "/metrics/job/beta";
    String ownerA = owner(a);
    String ownerB = owner(b);
    send(HttpMethod.PUT, a, 5, 307);
    send(HttpMethod.POST, b, 2, 307);
    send(HttpMethod.GET, a, 1, 200);
    send(HttpMethod.PUT, "/metrics/job/x/odd", 3, 400);
    send(HttpMethod.PATCH, a, 1, 405);

    try (PrometheusServer prometheus = PrometheusServer.scraping("127.0.0.1:" + port)) {
      double up = prometheus.awaitValue("up{job=\"pushring\"}", 1, Duration.ofSeconds(30));
      assertThat(up).as("scrape health; last error: %s", prometheus.lastError()).isEqualTo(1);
      assertThat(prometheus.lastError()).isEmpty();

      String sum = "sum(pushring_requests_total{job=\"pushring\"})";
      assertThat(prometheus.awaitValue(sum, 12, Duration.ofSeconds(20))).isEqualTo(12);
      assertThat(prometheus.value("pushring_requests_total{method=\"PUT\",code=\"307\",decision=\"redirect\",member=\""
          + ownerA + "\"}")).isEqualTo(5);
      assertThat(prometheus.value("pushring_requests_total{method=\"POST\",code=\"307\",decision=\"redirect\",member=\""
          + ownerB + "\"}")).isEqualTo(2);
      assertThat(prometheus.value("pushring_requests_total{method=\"GET\",code=\"200\",decision=\"lookup\"}")).isEqualTo(1);
      assertThat(prometheus.value("pushring_requests_total{code=\"400\",decision=\"reject\",member=\"none\"}")).isEqualTo(3);
      assertThat(prometheus.value("pushring_requests_total{method=\"PATCH\",code=\"405\",decision=\"reject\"}")).isEqualTo(1);
      assertThat(prometheus.value("pushring_ring_members")).isEqualTo(3);
      assertThat(prometheus.value("pushring_ring_version")).isEqualTo(1);
      assertThat(prometheus.value("pushring_discovery_stale")).isEqualTo(0);
      assertThat(prometheus.value("pushring_discovery_last_success_age_seconds")).isBetween(0.0, 60.0);
      assertThat(prometheus.value("pushring_tap_subscribers")).isEqualTo(0);
      // JVM, process and Vert.x basics come through the same registry.
      assertThat(prometheus.query("jvm_memory_used_bytes")).isNotEmpty();
      assertThat(prometheus.query("process_uptime_seconds")).isNotEmpty();
      assertThat(prometheus.query("process_files_open_files")).isNotEmpty();
      assertThat(prometheus.query("{__name__=~\"vertx_.+\"}")).isNotEmpty();

      // The counters move with the next pushes; Prometheus sees it on a later scrape.
      send(HttpMethod.PUT, a, 3, 307);
      RingPublisher.publish(vertx, Ring.empty(Placement.GROUPING_KEY, 2));
      awaitStatus(HttpMethod.DELETE, a, 503);
      assertThat(prometheus.awaitValue("pushring_requests_total{method=\"PUT\",decision=\"redirect\",member=\""
          + ownerA + "\"}", 8, Duration.ofSeconds(20))).isEqualTo(8);
      assertThat(prometheus.awaitValue("pushring_requests_total{method=\"DELETE\",code=\"503\",decision=\"unavailable\",member=\"none\"}",
          1, Duration.ofSeconds(20))).isEqualTo(1);
      assertThat(prometheus.awaitValue("pushring_ring_members", 0, Duration.ofSeconds(20))).isEqualTo(0);
      assertThat(prometheus.value("pushring_ring_version")).isEqualTo(2);
    }
  }

  private void awaitStatus(HttpMethod method, String path, int status) {
    // Discovery builds and publishes the new ring off the request path: a moment after the change.
    Await.until("waiting for " + status, Duration.ofSeconds(5),
        () -> http.send(method.name(), port, path, "m 1\n").status() == status);
  }

  @Test
  void requestLabelsAreBoundedNeverJobOrLabelValues() {
    for (int i = 0; i < 50; i++) send(HttpMethod.PUT, "/metrics/job/job" + i + "/instance/host" + i, 1, 307);
    PromText metrics = scrape();
    Set<String> labelNames = new TreeSet<>();
    Set<String> members = new TreeSet<>();
    for (PromText.Sample s : metrics.find("pushring_requests_total")) {
      labelNames.addAll(s.labels().keySet());
      members.add(s.labels().get("member"));
    }
    assertThat(labelNames).containsExactly("code", "decision", "member", "method");
    assertThat(members).isSubsetOf("10.0.0.1_9091", "10.0.0.2_9091", "10.0.0.3_9091");
    assertThat(metrics.sum("pushring_requests_total")).isEqualTo(50);
    for (PromText.Sample s : metrics.samples()) {
      assertThat(s.labels().values()).as(s.name()).noneMatch(v -> v.startsWith("job") || v.startsWith("host"));
    }
  }

  @Test
  void discoveryErrorsAndRegistrationsAreCounted() {
    // Consul mode against a port nothing listens on: every query and registration fails.
    Vertx other = PushringApp.newVertx();
    try {
      JdkHttp client = new JdkHttp();
      int consulPort = FreePorts.find();
      int p = PushringApp.deploy(other, TestConfig.staticMembers(MEMBERS,
          "PUSHRING_DISCOVERY_MODE", "consul",
          "PUSHRING_CONSUL_ADDRESS", "127.0.0.1:" + consulPort,
          "PUSHRING_PUSHGATEWAYS_SERVERS", "127.0.0.1:9091")).await().port();
      PromText[] last = new PromText[1];
      Await.until("discovery errors >= 2 and failed registrations >= 1", Duration.ofSeconds(15), () -> {
        last[0] = PromText.parse(client.get(p, "/metrics").body());
        return last[0].sum("pushring_discovery_errors_total") >= 2
            && last[0].sum("pushring_registrations_total", "result", "failure") >= 1;
      });
      PromText m = last[0];
      assertThat(m.sum("pushring_discovery_errors_total")).isGreaterThanOrEqualTo(2);
      assertThat(m.sum("pushring_registrations_total", "result", "failure")).isGreaterThanOrEqualTo(1);
      assertThat(m.sum("pushring_registrations_total", "result", "success")).isZero();
      assertThat(m.sum("pushring_discovery_stale")).isEqualTo(1);
      assertThat(m.find("pushring_discovery_last_success_timestamp_seconds").get(0).value()).isNaN();
      assertThat(m.sum("pushring_ring_members")).isZero();
    } finally {
      other.close().await();
    }
  }

  /**
   * Vert.x's own per-request HTTP and TCP metrics stay off on the server and on the client: in proxy
   * mode the client's looked up five meters per push (1.17-1.24x proxied pushes per CPU-second without);
   * the proxy histogram counts the pushes instead.
   */
  @Test
  void noPerRequestVertxMetricsWhenProxying() {
    Vertx other = PushringApp.newVertx();
    try {
      int upstream = other.createHttpServer().requestHandler(r -> r.response().end())
          .listen(0, "127.0.0.1").await().actualPort();
      int p = PushringApp.deploy(other, TestConfig.staticMembers("127.0.0.1:" + upstream,
          "PUSHRING_ROUTER_MODE", "proxy")).await().port();
      JdkHttp client = new JdkHttp();
      for (int i = 0; i < 5; i++) {
        assertThat(client.send("PUT", p, "/metrics/job/proxied" + i, "m 1\n").status()).isEqualTo(200);
      }
      PromText m = PromText.parse(client.get(p, "/metrics").body());
      assertThat(m.sum("pushring_proxy_duration_seconds_count")).isEqualTo(5);
      assertThat(m.samples()).extracting(PromText.Sample::name)
          .noneMatch(n -> n.startsWith("vertx_http_") || n.startsWith("vertx_net_"));
    } finally {
      other.close().await();
    }
  }
}
