package io.pushring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.bus.RingPublisher;
import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which Pushgateways Prometheus may scrape ({@code GET /sd/pushgateways}), with pushring in-process
 * (static mode, proxy mode, reconciler on) in front of real Pushgateways with persistence files; the
 * ring changes are published as discovery would. A Pushgateway that leaves the ring leaves the SD
 * answer at once; back with its persistence file holding older copies of groups that another member
 * took meanwhile, it is not in the answer while it holds them, and is once a pass deleted them; a
 * new, empty member is in it after one pass.
 */
class AdmissionIntegrationTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final PushgatewayClient API = new PushgatewayClient("http", Duration.ofSeconds(10));
  private static final Duration WITHIN = Duration.ofSeconds(20);

  private final List<PushgatewayProcess> pgs = new ArrayList<>();
  private final List<Member> members = new ArrayList<>();
  private final List<String[]> args = new ArrayList<>();
  private Path dir;
  private Vertx vertx;
  private PushringApp app;

  @BeforeEach
  void start() throws IOException {
    dir = Files.createTempDirectory("pushring-admission-");
    for (int i = 0; i < 4; i++) {
      String[] a = {"--persistence.file=" + dir.resolve("pg" + i + ".db"), "--persistence.interval=100ms"};
      PushgatewayProcess pg = PushgatewayProcess.start(a);
      pgs.add(pg);
      args.add(a);
      members.add(Member.ofAddress(pg.host(), pg.port()));
    }
    String first3 = members.subList(0, 3).stream().map(Member::address).collect(Collectors.joining(","));
    vertx = PushringApp.newVertx();
    app = PushringApp.deploy(vertx, TestConfig.staticMembers(first3,
        "PUSHRING_ROUTER_MODE", "proxy",
        "PUSHRING_RECONCILE_ENABLED", "true",
        "PUSHRING_RECONCILE_INTERVAL", "30s", // passes come from ring changes here
        "PUSHRING_RECONCILE_SETTLE", "1s",
        "PUSHRING_RECONCILE_QUIET", "10m",    // nothing is migrated: only pushes and deletes move data
        "PUSHRING_RECONCILE_RATE", "500")).await();
  }

  @AfterEach
  void stop() throws IOException {
    if (vertx != null) vertx.close().await();
    pgs.forEach(PushgatewayProcess::close);
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) Files.deleteIfExists(f);
    }
    Files.deleteIfExists(dir);
  }

  @Test
  void aReturningMemberIsScrapedOnlyOnceCleanAndANewEmptyOneAfterOnePass() throws Exception {
    Member back = members.get(2);
    Member fresh = members.get(3);
    Set<String> firstThree = ids(members.subList(0, 3));
    Await.until(() -> "the first pass admits the three members: " + sd(), WITHIN, () -> sdIds().equals(firstThree));

    Ring three = RingPublisher.current(vertx);
    Ring two = Ring.build(Placement.GROUPING_KEY, members.subList(0, 2), 50);
    List<String> twice = new ArrayList<>(); // pushed before and after the leave: the returning copy is stale
    List<String> once = new ArrayList<>();  // pushed once, before: the returning copy is the only one
    for (int i = 0; twice.size() < 10 || once.size() < 5; i++) {
      String path = "/metrics/job/adm/instance/h" + i;
      if (!three.route(GroupingKeyParser.parse(path)).equals(back)) continue;
      (twice.size() < 10 ? twice : once).add(path);
      push(path, 1);
    }
    // Its persistence file is written on SIGTERM; it leaves the ring and the SD answer at once.
    pgs.get(2).close();
    publish(two);
    Await.until(() -> "the member that left out of the SD answer: " + sd(), Duration.ofSeconds(2),
        () -> sdIds().equals(ids(members.subList(0, 2))));
    for (String path : twice) push(path, 2); // to their temporary owners

    pgs.set(2, PushgatewayProcess.start(back.port(), args.get(2)));
    assertThat(staleOn(back, twice)).as("back with its persistence file: its copies are the older ones").hasSize(10);
    publish(Ring.build(Placement.GROUPING_KEY, members.subList(0, 3), 51));
    // Not scraped, so its stale copies are left to the clients' next pushes (or the quiet rule's
    // migration): the pass after the return deletes none of them and does not admit it.
    Await.until("a pass of the ring it returned to", WITHIN,
        () -> app.reconciler().lastReport() != null && app.reconciler().lastReport().ringVersion() == 51);
    PassReport waiting = app.reconciler().lastReport();
    assertThat(waiting.plan().ownerDeletes()).as("no guarded delete on a member nobody scrapes").isEmpty();
    assertThat(waiting.clean()).doesNotContain(back);
    assertThat(sdIds()).doesNotContain(back.id());
    assertThat(staleOn(back, twice)).hasSize(10);

    // The clients push again, through pushring: the router deletes each temporary owner's copy, then
    // the push replaces the returning member's stale copy. The next pass (here: a ring announcement
    // with the same members) finds it clean and admits it. Each poll reads the SD answer first, then
    // the member: listed while it still held a stale copy is a violation.
    for (String path : twice) push(path, 3);
    publish(Ring.build(Placement.GROUPING_KEY, members.subList(0, 3), 52));
    List<String> violations = new ArrayList<>();
    long took = Await.until("the returning member in the SD answer", WITHIN, Duration.ofMillis(20), () -> {
      boolean listed = sdIds().contains(back.id());
      List<String> stale = staleOnNow(back, twice);
      if (listed && !stale.isEmpty()) violations.add("listed while holding " + stale.size() + " stale copies");
      return listed;
    });
    assertThat(violations).isEmpty();
    assertThat(staleOn(back, twice)).isEmpty();
    assertThat(sdIds()).isEqualTo(firstThree);
    PassReport admitting = app.reconciler().lastReport();
    assertThat(admitting.ringVersion()).isEqualTo(52);
    assertThat(admitting.clean()).contains(back);
    for (String path : once) {
      GroupingKey k = GroupingKeyParser.parse(path);
      assertThat(API.families(back, Set.of(k))).as("a group pushed once stays on the returning member").containsKey(k);
    }
    for (String path : twice) {
      GroupingKey k = GroupingKeyParser.parse(path);
      assertThat(value(back, k)).as("the client's newest push, on its owner").isEqualTo("3");
      assertThat(value(two.route(k), k)).as("the temporary owner's copy, deleted by the router").isNull();
    }

    // A new, empty member: not listed when it joins, listed after one pass.
    long passes = app.reconciler().passes();
    publish(Ring.build(Placement.GROUPING_KEY, members, 53));
    assertThat(sdIds()).doesNotContain(fresh.id());
    Await.until(() -> "the new member in the SD answer: " + sd(), WITHIN, () -> sdIds().contains(fresh.id()));
    assertThat(app.reconciler().passes() - passes).as("passes until the new member was admitted").isEqualTo(1);
    assertThat(app.reconciler().lastReport().clean()).contains(fresh);
    System.out.printf("[admission] returning member listed %d ms after its clients pushed again (settle 1 s), new member after 1 pass%n", took);
  }

  private void publish(Ring ring) {
    vertx.runOnContext(v -> RingPublisher.publish(vertx, ring));
  }

  private void push(String path, long value) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
        .PUT(HttpRequest.BodyPublishers.ofString("# TYPE v gauge\nv " + value + "\n")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
  }

  /** The paths of {@code paths} whose copy on {@code m} holds value 1 (the older one). */
  private static List<String> staleOn(Member m, List<String> paths) throws IOException {
    Map<GroupingKey, String> byKey = new HashMap<>();
    for (String p : paths) byKey.put(GroupingKeyParser.parse(p), p);
    List<String> out = new ArrayList<>();
    API.families(m, byKey.keySet()).forEach((k, f) -> {
      if ("1".equals(f.families().get(0).samples().get(0).value())) out.add(byKey.get(k));
    });
    return out;
  }

  private static List<String> staleOnNow(Member m, List<String> paths) {
    try {
      return staleOn(m, paths);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String value(Member m, GroupingKey k) throws IOException {
    GroupFamilies f = API.families(m, Set.of(k)).get(k);
    return f == null ? null : f.families().get(0).samples().get(0).value();
  }

  private String sd() {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/sd/pushgateways"))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Set<String> sdIds() {
    Set<String> ids = new TreeSet<>();
    for (Object g : new JsonArray(sd())) ids.add(((JsonObject) g).getJsonObject("labels").getString("__meta_pushring_member_id"));
    return ids;
  }

  private static Set<String> ids(List<Member> ms) {
    return ms.stream().map(Member::id).collect(Collectors.toCollection(TreeSet::new));
  }
}
