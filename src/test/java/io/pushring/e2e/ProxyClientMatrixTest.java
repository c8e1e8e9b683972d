package io.pushring.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.bus.RingPublisher;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.router.RedirectPolicy;
import io.pushring.testing.Await;
import io.pushring.testing.PushClient;
import io.pushring.testing.PushClient.Auth;
import io.pushring.testing.PushgatewayApi;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue "Proxy and auto modes": every real Pushgateway client, through pushring in each mode, in
 * front of real Pushgateways (two plain ones, and one with basic auth). For each (client, mode):
 * the group is seeded straight on its owner, then the client's push (PUT) must replace it, its
 * pushAdd (POST) must keep the other metrics, and its delete must remove it; each effect is read
 * back from the owner's own API, and no other Pushgateway may ever hold the group. The outcome of
 * each cell is compared to the expected matrix (README, "Proxy, redirect and auto modes"): in
 * redirect mode that is the documented failures, asserted rather than hidden.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyClientMatrixTest {
  static final Auth AUTH = new Auth("pushring", "s3cret");
  static final String WORKS = "works";
  static final String ERROR_NO_DATA = "error, no data";
  static final String SUCCESS_DATA_LOST = "reports success, data lost";

  enum Target {
    AUTO("auto", false), PROXY("proxy", false), REDIRECT("redirect", false),
    AUTH_AUTO("auto", true), AUTH_PROXY("proxy", true), AUTH_REDIRECT("redirect", true);

    final String mode;
    final boolean auth;

    Target(String mode, boolean auth) {
      this.mode = mode;
      this.auth = auth;
    }

    String column() { return (auth ? "basic auth, " : "") + mode; }
  }

  /** The matrix this test must measure; README states the same. */
  static String expected(PushClient client, Target target) {
    if (!target.mode.equals("redirect")) return WORKS;
    if (target.auth) {
      // The client gets a 307 (pushring does not check credentials); the followers lose the
      // Authorization header on the way to another host:port and get 401 from the Pushgateway.
      return switch (client) {
        case NODE, CURL, CURL_FOLLOW -> SUCCESS_DATA_LOST;
        default -> ERROR_NO_DATA;
      };
    }
    return switch (client) {
      case PYTHON -> ERROR_NO_DATA;
      case NODE, CURL -> SUCCESS_DATA_LOST;
      default -> WORKS;   // Go, both Java clients and curl -L follow a 307 keeping method and body
    };
  }

  private final List<PushgatewayProcess> plain = new ArrayList<>();
  private PushgatewayProcess secured;
  private final Map<Target, Vertx> apps = new EnumMap<>(Target.class);
  private final Map<Target, Integer> ports = new EnumMap<>(Target.class);
  private static final Map<String, String> MEASURED = new ConcurrentHashMap<>();
  private static final Map<PushClient, String> USER_AGENTS = new ConcurrentHashMap<>();

  @BeforeAll
  void start() {
    PushClient.prepare();
    plain.add(PushgatewayProcess.start());
    plain.add(PushgatewayProcess.start());
    Path webConfig = Path.of(System.getenv().getOrDefault("PUSHRING_TEST_BUILD_DIR", "target"),
        "test-classes/clients/web-config.yml");
    secured = PushgatewayProcess.start("--web.config.file=" + webConfig.toAbsolutePath());
    String plainMembers = plain.stream().map(p -> p.host() + ":" + p.port()).collect(Collectors.joining(","));
    for (Target t : Target.values()) {
      Vertx vertx = Vertx.vertx();
      String members = t.auth ? secured.host() + ":" + secured.port() : plainMembers;
      int port = PushringApp.deploy(vertx, TestConfig.staticMembers(members, "PUSHRING_ROUTER_MODE", t.mode)).await().port();
      apps.put(t, vertx);
      ports.put(t, port);
    }
  }

  @AfterAll
  void stop() {
    apps.values().forEach(v -> v.close().await());
    plain.forEach(PushgatewayProcess::close);
    if (secured != null) secured.close();
    printMatrix();
  }

  static Stream<Arguments> cells() {
    List<Arguments> cells = new ArrayList<>();
    for (PushClient c : PushClient.values()) for (Target t : Target.values()) cells.add(Arguments.of(c, t));
    return cells.stream();
  }

  @ParameterizedTest(name = "{0} through {1}")
  @MethodSource("cells")
  void clientThroughPushring(PushClient client, Target target) {
    Assumptions.assumeTrue(client.unavailable() == null, () -> client + " cannot run here: " + client.unavailable());
    String instance = client.name().toLowerCase().replace('_', '-') + "-" + target.name().toLowerCase().replace('_', '-');
    Map<String, String> group = Map.of("job", "matrix", "instance", instance);
    String path = "/metrics/job/matrix/instance/" + instance;
    Auth auth = target.auth ? AUTH : null;
    String owner = ownerUrl(target, path);

    assertThat(PushgatewayApi.put(owner, auth, path, "seed_metric 1\n")).isEqualTo(200);
    List<String> steps = new ArrayList<>();
    try (PushClient.Session session = client.start("http://127.0.0.1:" + ports.get(target), "matrix", instance, auth)) {
      // push (PUT): replaces the whole group
      String reply = session.send("put matrix_put 1");
      Set<String> expectedAfterPut = Set.of("matrix_put");
      steps.add(step("PUT", reply, await(owner, auth, group, names -> names.equals(Optional.of(expectedAfterPut)), 200)));
      // pushAdd (POST): adds to the group, keeps its other metrics
      Set<String> before = PushgatewayApi.metricNames(owner, auth, group).orElseThrow();
      Set<String> expectedAfterAdd = new HashSet<>(before);
      expectedAfterAdd.add("matrix_add");
      reply = session.send("add matrix_add 2");
      steps.add(step("POST", reply, await(owner, auth, group, names -> names.equals(Optional.of(expectedAfterAdd)), 200)));
      // delete (DELETE): the group is gone (deletes are queued by the Pushgateway: poll)
      reply = session.send("delete");
      steps.add(step("DELETE", reply, await(owner, auth, group, Optional::isEmpty, 1000)));
    }
    // Never a copy on another Pushgateway.
    for (PushgatewayProcess pg : target.auth ? List.<PushgatewayProcess>of() : plain) {
      if (!pg.baseUrl().equals(owner)) {
        assertThat(PushgatewayApi.metricNames(pg.baseUrl(), null, group)).as("copy on non-owner %s", pg).isEmpty();
      }
    }
    // Leave nothing behind when the client could not delete.
    PushgatewayApi.put(owner, auth, path, "seed_metric 1\n");
    String outcome = summarize(steps);
    MEASURED.put(client + "|" + target, outcome);
    assertThat(outcome).as("%s through pushring %s: %s", client.label(), target.column(), steps)
        .isEqualTo(expected(client, target));
  }

  /**
   * What auto mode decided for each client: its real User-Agent, recorded by a plain HTTP server it
   * pushes to once, judged by the same policy the router uses.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void autoModeDecisionForEachClientsUserAgent(PushClient client) {
    Assumptions.assumeTrue(client.unavailable() == null, () -> client + " cannot run here: " + client.unavailable());
    Vertx vertx = apps.get(Target.AUTO);
    List<String> agents = new java.util.concurrent.CopyOnWriteArrayList<>();
    HttpServer recorder = vertx.createHttpServer().requestHandler(req -> {
      agents.add(String.valueOf(req.getHeader("User-Agent")));
      req.body().onComplete(b -> req.response().setStatusCode(200).end());
    }).listen(0, "127.0.0.1").await();
    try (PushClient.Session s = client.start("http://127.0.0.1:" + recorder.actualPort(), "ua", "x", null)) {
      assertThat(s.send("put ua_probe 1")).isEqualTo("ok");
    } finally {
      recorder.close().await();
    }
    assertThat(agents).isNotEmpty();
    USER_AGENTS.put(client, agents.get(0));
    RedirectPolicy policy = RedirectPolicy.from(TestConfig.staticMembers("127.0.0.1:1", "PUSHRING_ROUTER_MODE", "auto"));
    RedirectPolicy.Rule d = policy.decide(agents.get(0), false, "http");
    boolean follows = expected(client, Target.REDIRECT).equals(WORKS) && client != PushClient.CURL_FOLLOW;
    // curl -L follows, but its User-Agent cannot tell it from plain curl: it is proxied.
    assertThat(d.redirect()).as("%s (User-Agent %s): %s", client, agents.get(0), d).isEqualTo(follows);
  }

  static Stream<PushClient> clients() {
    return Stream.of(PushClient.values());
  }

  private String ownerUrl(Target target, String path) {
    if (target.auth) return secured.baseUrl();
    Member owner = RingPublisher.current(apps.get(target)).route(GroupingKeyParser.parse(path));
    return "http://" + owner.address();
  }

  /**
   * Polls the owner until {@code done} or {@code millis} pass. The Pushgateway applies PUT and POST
   * before it answers (a short grace suffices) but queues DELETE (202 Accepted).
   */
  private static boolean await(String owner, Auth auth, Map<String, String> group, Predicate<Optional<Set<String>>> done,
      long millis) {
    return Await.holdsWithin(Duration.ofMillis(millis), () -> done.test(PushgatewayApi.metricNames(owner, auth, group)));
  }

  private static String step(String method, String reply, boolean applied) {
    return method + " " + (reply.equals("ok") ? "ok" : reply) + " / " + (applied ? "applied" : "not applied");
  }

  private static String summarize(List<String> steps) {
    boolean allOk = steps.stream().allMatch(s -> s.contains(" ok / "));
    boolean noneOk = steps.stream().noneMatch(s -> s.contains(" ok / "));
    boolean allApplied = steps.stream().allMatch(s -> s.endsWith("/ applied"));
    boolean noneApplied = steps.stream().allMatch(s -> s.endsWith("not applied"));
    if (allOk && allApplied) return WORKS;
    if (noneOk && noneApplied) return ERROR_NO_DATA;
    if (allOk && noneApplied) return SUCCESS_DATA_LOST;
    return String.join("; ", steps);
  }

  private void printMatrix() {
    StringBuilder table = new StringBuilder("\nMeasured client matrix (push, pushAdd, delete through pushring):\n| client |");
    for (Target t : Target.values()) table.append(' ').append(t.column()).append(" |");
    table.append("\n|---|").append("---|".repeat(Target.values().length)).append('\n');
    for (PushClient c : PushClient.values()) {
      table.append("| ").append(c.label()).append(" |");
      for (Target t : Target.values()) table.append(' ').append(MEASURED.getOrDefault(c + "|" + t, "not run")).append(" |");
      table.append('\n');
    }
    table.append("User-Agents seen: ").append(USER_AGENTS).append('\n');
    System.out.println(table);
  }
}
