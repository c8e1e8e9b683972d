package io.pushring.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.bus.RingPublisher;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue "Core gateway", end to end: three real Pushgateways, pushring in static redirect mode, and
 * a client that follows a 307 keeping method and body (java.net.http does). 1,000 groups pushed
 * with random label order; each must land on exactly one Pushgateway, the one the ring names, and
 * stay there whatever encoding later pushes and deletes use.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedirectEndToEndTest {
  private static final int GROUPS = 1000;

  private final List<PushgatewayProcess> pushgateways = new ArrayList<>();
  private Vertx vertx;
  private int port;
  private HttpClient client = newClient();

  /**
   * A client per phase: java.net.http reuses pooled connections without a liveness check and
   * retries only GET, so a connection a server dropped while idle between phases would fail the
   * next DELETE with "header parser received no bytes" (seen under load). Within a phase the
   * connections are busy, which is what the test is about.
   */
  private static HttpClient newClient() {
    return HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  @BeforeAll
  void start() {
    for (int i = 0; i < 3; i++) pushgateways.add(PushgatewayProcess.start());
    String members = pushgateways.stream().map(p -> p.host() + ":" + p.port()).collect(Collectors.joining(","));
    vertx = Vertx.vertx();
    port = PushringApp.deploy(vertx, TestConfig.staticMembers(members)).await().port();
  }

  @AfterAll
  void stop() {
    if (vertx != null) vertx.close().await();
    pushgateways.forEach(PushgatewayProcess::close);
  }

  /** Label pairs of group n; the job is "e2e". */
  private static Map<String, String> labels(int n) {
    Map<String, String> labels = new HashMap<>();
    labels.put("instance", "host-" + n + ".example.org");
    labels.put("shard", "s" + (n % 7));
    labels.put("path", "/var/data/" + n); // a '/' in a value: clients must send it base64 (Go decodes %2F first)
    return labels;
  }

  /** Group n's path with labels in a random order and a random one of the legal encodings. */
  private static String path(int n, Random random) {
    List<Map.Entry<String, String>> pairs = new ArrayList<>(labels(n).entrySet());
    java.util.Collections.shuffle(pairs, random);
    StringBuilder path = new StringBuilder(random.nextBoolean() ? "/metrics/job/e2e" : "/metrics/job@base64/ZTJl");
    for (Map.Entry<String, String> pair : pairs) {
      String value = pair.getValue();
      switch (value.contains("/") ? 0 : random.nextInt(3)) {
        case 0 -> path.append('/').append(pair.getKey()).append("@base64/")
            .append(Base64.getUrlEncoder().withoutPadding().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
        case 1 -> path.append('/').append(pair.getKey()).append('/').append(value.replace(".", "%2E").replace("-", "%2D"));
        default -> path.append('/').append(pair.getKey()).append('/').append(value);
      }
    }
    return path.toString();
  }

  @Test
  @Order(1)
  void everyGroupLandsOnExactlyTheOwnerTheRingNames() {
    Random random = new Random(42);
    List<String> paths = new ArrayList<>();
    for (int n = 0; n < GROUPS; n++) paths.add(path(n, random));
    List<Integer> statuses = sendAll(n -> request("PUT", paths.get(n), "e2e_pushed " + n + "\n"), GROUPS);
    assertThat(statuses).containsOnly(200);

    Map<String, String> placedOn = placement();   // instance label -> Pushgateway base URL
    assertThat(placedOn).hasSize(GROUPS);
    Map<String, Long> perPushgateway = placedOn.values().stream()
        .collect(Collectors.groupingBy(v -> v, Collectors.counting()));
    System.out.printf("1000 groups over 3 Pushgateways: %s%n", perPushgateway.values());
    assertThat(perPushgateway).hasSize(3);
    for (int n = 0; n < GROUPS; n++) {
      Member owner = RingPublisher.current(vertx).route(GroupingKeyParser.parse(paths.get(n)));
      assertThat(placedOn.get("host-" + n + ".example.org")).isEqualTo("http://" + owner.address());
    }
  }

  @Test
  @Order(2)
  void otherEncodingsAndOrdersOfAGroupReachTheSameCopy() {
    Map<String, String> before = placement();
    Random random = new Random(7);
    // POST merges: a second metric family joins the group on its owner, no second copy appears.
    List<Integer> statuses = sendAll(n -> request("POST", path(n, random), "e2e_merged 1\n"), GROUPS);
    assertThat(statuses).containsOnly(200);
    assertThat(placement()).isEqualTo(before);
    for (PushgatewayProcess pg : pushgateways) {
      for (JsonObject group : groups(pg)) {
        assertThat(group.fieldNames()).contains("e2e_pushed", "e2e_merged");
      }
    }
  }

  @Test
  @Order(3)
  void deleteThroughPushringRemovesTheGroupWhereItLives() {
    Random random = new Random(99);
    int deleted = 500;
    List<Integer> statuses = sendAll(n -> request("DELETE", path(n, random), null), deleted);
    assertThat(statuses).containsOnly(202);
    Map<String, String> after = placement();
    assertThat(after).hasSize(GROUPS - deleted);
    for (int n = 0; n < deleted; n++) assertThat(after).doesNotContainKey("host-" + n + ".example.org");
  }

  private HttpRequest request(String method, String path, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  /** Sends requests 0..count-1, at most 32 in flight; returns the final statuses in order. */
  private List<Integer> sendAll(IntFunction<HttpRequest> requests, int count) {
    client = newClient();
    Semaphore inFlight = new Semaphore(32);
    List<CompletableFuture<Integer>> futures = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      inFlight.acquireUninterruptibly();
      futures.add(client.sendAsync(requests.apply(n), HttpResponse.BodyHandlers.ofString())
          .whenComplete((r, e) -> inFlight.release())
          .thenApply(HttpResponse::statusCode));
    }
    return futures.stream().map(CompletableFuture::join).toList();
  }

  /** Where each e2e group is stored: instance label -> base URL of the Pushgateway holding it. */
  private Map<String, String> placement() {
    Map<String, String> placedOn = new HashMap<>();
    for (PushgatewayProcess pg : pushgateways) {
      for (JsonObject group : groups(pg)) {
        String instance = group.getJsonObject("labels").getString("instance");
        String previous = placedOn.put(instance, pg.baseUrl());
        assertThat(previous).as("group %s stored on two Pushgateways", instance).isNull();
      }
    }
    return placedOn;
  }

  /** The e2e groups a Pushgateway holds, from its own API. */
  private List<JsonObject> groups(PushgatewayProcess pg) {
    try {
      HttpResponse<String> r = client.send(
          HttpRequest.newBuilder(URI.create(pg.baseUrl() + "/api/v1/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonArray data = new JsonObject(r.body()).getJsonArray("data");
      List<JsonObject> groups = new ArrayList<>();
      for (int i = 0; i < data.size(); i++) {
        JsonObject group = data.getJsonObject(i);
        if ("e2e".equals(group.getJsonObject("labels").getString("job"))) groups.add(group);
      }
      return groups;
    } catch (Exception e) {
      throw new AssertionError("reading groups of " + pg.baseUrl(), e);
    }
  }
}
