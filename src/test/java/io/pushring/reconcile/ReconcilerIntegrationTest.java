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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * pushring in-process (static mode, proxy mode, reconciler on) in front of four real Pushgateways.
 * Groups are pushed through pushring; then a new ring is published (a member added, then one
 * removed while it keeps running), as discovery would, and the fleet must converge: every group
 * on its owner only, with the newest value pushed, and groups pushed only once before the change
 * still there. A race test pushes one group every 100 ms through the change and checks after every
 * push that the owner never holds an older value than the one just pushed.
 */
class ReconcilerIntegrationTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final PushgatewayClient API = new PushgatewayClient("http", Duration.ofSeconds(10));
  private static final Duration CONVERGE = Duration.ofSeconds(30);

  private final List<PushgatewayProcess> pgs = new ArrayList<>();
  private final List<Member> members = new ArrayList<>();
  private Vertx vertx;
  private PushringApp app;

  @BeforeEach
  void start() {
    for (int i = 0; i < 4; i++) {
      PushgatewayProcess pg = PushgatewayProcess.start();
      pgs.add(pg);
      members.add(Member.ofAddress(pg.host(), pg.port()));
    }
    String first3 = members.subList(0, 3).stream().map(Member::address).collect(Collectors.joining(","));
    vertx = PushringApp.newVertx();
    app = PushringApp.deploy(vertx, TestConfig.staticMembers(first3,
        "PUSHRING_ROUTER_MODE", "proxy",
        "PUSHRING_RECONCILE_ENABLED", "true",
        "PUSHRING_RECONCILE_INTERVAL", "1s",
        "PUSHRING_RECONCILE_SETTLE", "300ms",
        "PUSHRING_RECONCILE_QUIET", "5s",
        "PUSHRING_RECONCILE_RATE", "500")).await();
  }

  @AfterEach
  void stop() {
    if (vertx != null) vertx.close().await();
    pgs.forEach(PushgatewayProcess::close);
  }

  private void push(String path, long value) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
        .PUT(HttpRequest.BodyPublishers.ofString("# TYPE v gauge\nv " + value + "\n")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
  }

  private Ring publish(List<Member> ringMembers, long version) {
    Ring ring = Ring.build(Placement.GROUPING_KEY, ringMembers, version);
    vertx.runOnContext(v -> RingPublisher.publish(vertx, ring));
    return ring;
  }

  /** key -> (member -> value of v), over all four Pushgateways. */
  private Map<GroupingKey, Map<Member, String>> fleet(Set<GroupingKey> keys) throws IOException {
    Map<GroupingKey, Map<Member, String>> out = new HashMap<>();
    for (Member m : members) {
      API.families(m, keys).forEach((k, f) ->
          out.computeIfAbsent(k, x -> new HashMap<>()).put(m, f.families().get(0).samples().get(0).value()));
    }
    return out;
  }

  private Map<GroupingKey, Map<Member, String>> fleetNow(Set<GroupingKey> keys) {
    try {
      return fleet(keys);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the fleet must look like: each key only on its owner, with its expected value. */
  private static Map<GroupingKey, Map<Member, String>> expected(Ring ring, Map<GroupingKey, Long> values) {
    Map<GroupingKey, Map<Member, String>> out = new HashMap<>();
    values.forEach((k, v) -> out.put(k, Map.of(ring.route(k), Long.toString(v))));
    return out;
  }

  private Map<GroupingKey, Map<Member, String>> awaitFleet(Map<GroupingKey, Map<Member, String>> want) throws Exception {
    // the caller's assertion shows what differs
    Await.holdsWithin(CONVERGE, Duration.ofMillis(200), () -> fleetNow(want.keySet()).equals(want));
    return fleet(want.keySet());
  }

  @Test
  void afterAScaleOutAndAScaleInEveryGroupIsOnItsOwnerOnlyWithItsNewestValue() throws Exception {
    Ring three = RingPublisher.current(vertx);
    Map<GroupingKey, Long> values = new HashMap<>();
    Map<GroupingKey, String> paths = new HashMap<>();
    for (int i = 0; i < 120; i++) {
      String path = "/metrics/job/batch/instance/host-" + i;
      GroupingKey k = GroupingKeyParser.parse(path);
      paths.put(k, path);
      push(path, 1);
      values.put(k, 1L);
    }
    assertThat(awaitFleet(expected(three, values))).isEqualTo(expected(three, values));

    // Scale-out 3 -> 4: half of the groups keep being pushed (every few seconds, so never quiet for
    // reconcile.quiet) and go on after the change (to their new owner); half were pushed once.
    List<GroupingKey> keys = new ArrayList<>(values.keySet());
    for (int j = 0; j < keys.size(); j += 2) push(paths.get(keys.get(j)), 1);
    Ring four = publish(members, 2);
    Await.sleep(100); // the routers read the new ring from the LocalMap
    int moved = 0;
    for (GroupingKey k : values.keySet()) {
      if (!four.route(k).equals(three.route(k))) moved++;
    }
    assertThat(moved).as("groups whose owner changed").isGreaterThan(10);
    // Only the reconciler can move a group nobody pushes: the once-pushed groups whose owner changed
    // here, and (below) every group on the member that leaves, must each be migrated at least once.
    // (Counted from the placement: the members' ids carry random ports, so the number varies by run.)
    int mustMigrate = 0;
    for (int j = 1; j < keys.size(); j += 2) {
      if (!four.route(keys.get(j)).equals(three.route(keys.get(j)))) mustMigrate++;
    }
    for (int j = 0; j < keys.size(); j += 2) {
      push(paths.get(keys.get(j)), 2);
      values.put(keys.get(j), 2L);
    }
    assertThat(awaitFleet(expected(four, values))).isEqualTo(expected(four, values));

    // Scale-in 4 -> 3: member 1 leaves the ring but keeps running with its groups; nobody pushes.
    List<Member> withoutOne = new ArrayList<>(members);
    Member leaving = withoutOne.remove(1);
    for (GroupingKey k : values.keySet()) {
      if (four.route(k).equals(leaving)) mustMigrate++;
    }
    Ring last = publish(withoutOne, 3);
    assertThat(awaitFleet(expected(last, values))).isEqualTo(expected(last, values));
    assertThat(API.groups(leaving).groups()).isEmpty();

    // The next pass finds nothing to do.
    Await.holdsWithin(Duration.ofSeconds(10), Duration.ofMillis(100), () -> {
      PassReport r = app.reconciler().lastReport();
      return r.plan().isClean() && r.ringVersion() == 3;
    });
    PassReport report = app.reconciler().lastReport();
    assertThat(report.plan().isClean()).as("a pass with nothing left to do").isTrue();
    assertThat(report.plan().onOwner()).isEqualTo(120);
    assertThat(app.reconciler().passes()).isGreaterThanOrEqualTo(3);

    // Visible: GET /api/v1/reconcile and the pushring_reconcile_* metrics.
    JsonObject api = new JsonObject(get("/api/v1/reconcile")).getJsonObject("data");
    assertThat(api.getBoolean("enabled")).isTrue();
    assertThat(api.getBoolean("leaderElection")).isFalse();
    assertThat(api.getBoolean("leader")).as("static mode: the instance where it is enabled reconciles").isTrue();
    assertThat(api.getJsonObject("settings").getString("quiet")).isEqualTo("5s");
    JsonObject lastPass = api.getJsonObject("lastPass");
    assertThat(lastPass.getLong("ringVersion")).isEqualTo(3);
    assertThat(lastPass.getInteger("groupsScanned")).isEqualTo(120);
    String metrics = get("/metrics");
    assertThat(metricValue(metrics, "pushring_reconcile_migrated_total")).isGreaterThanOrEqualTo(mustMigrate);
    // Stale copies of the groups still pushed are deleted by the routers at their first push after
    // the change (handover), the rest by the reconciler: together, some.
    assertThat(metricValue(metrics, "pushring_reconcile_deleted_total")
        + metricValue(metrics, "pushring_handover_deletes_total{result=\"ok\"}")).isGreaterThan(0);
    assertThat(metricValue(metrics, "pushring_reconcile_passes_total{result=\"ok\"}")).isGreaterThanOrEqualTo(3);
    assertThat(metricValue(metrics, "pushring_reconcile_groups_scanned")).isEqualTo(120);
    assertThat(metricValue(metrics, "pushring_reconcile_groups_waiting")).isZero();
    assertThat(metricValue(metrics, "pushring_reconcile_groups_off_owner")).isZero();
    assertThat(metricValue(metrics, "pushring_reconcile_errors_total")).isZero();
    assertThat(metricValue(metrics, "pushring_reconcile_dry_run")).isZero();
    assertThat(metricValue(metrics, "pushring_reconcile_leader")).isEqualTo(1);
    assertThat(metricValue(metrics, "pushring_reconcile_duration_seconds_count")).isGreaterThanOrEqualTo(3);
    assertThat(metricValue(metrics, "pushring_reconcile_last_pass_timestamp_seconds")).isGreaterThan(1.7e9);
  }

  /**
   * A member leaves the ring while it is down (its check failed), so the passes after cannot read
   * it; it comes back with its persistence file, still outside the ring: its groups must still go to
   * their owners. (Before reconcile.departed-retention, one unreadable pass forgot it for good.)
   */
  @Test
  void aDepartedMemberUnreadableForSomePassesIsStillEmptiedWhenItComesBack() throws Exception {
    Path file = Files.createTempFile("pushgateway-departed-", ".persist");
    Files.delete(file); // the Pushgateway creates it on shutdown
    Member returning = members.get(3);
    pgs.get(3).close();
    pgs.set(3, PushgatewayProcess.start(returning.port(), "--persistence.file=" + file));
    List<Member> ring = List.of(members.get(0), members.get(1), returning);
    Ring withIt = publish(ring, 2);
    Await.sleep(100); // the routers read the new ring from the LocalMap
    Map<GroupingKey, Long> values = new HashMap<>();
    for (int i = 0; values.keySet().stream().filter(k -> withIt.route(k).equals(returning)).count() < 10; i++) {
      String path = "/metrics/job/departing/instance/host-" + i;
      push(path, 1);
      values.put(GroupingKeyParser.parse(path), 1L);
    }
    assertThat(awaitFleet(expected(withIt, values))).isEqualTo(expected(withIt, values));

    pgs.get(3).close(); // SIGTERM: it writes its persistence file
    Ring without = publish(List.of(members.get(0), members.get(1)), 3);
    Await.until("two passes that could not read the departed member", CONVERGE, () -> unreadablePasses(3) >= 2);
    assertThat(app.reconciler().lastReport().unreadable()).singleElement().asString().startsWith(returning.id());

    pgs.set(3, PushgatewayProcess.start(returning.port(), "--persistence.file=" + file));
    assertThat(API.groups(returning).groups()).as("restored from its file").hasSizeGreaterThanOrEqualTo(10);
    assertThat(awaitFleet(expected(without, values))).isEqualTo(expected(without, values));
    Await.until("the departed member read empty and forgotten", CONVERGE,
        () -> new JsonObject(getQuietly("/api/v1/reconcile")).getJsonObject("data").getJsonArray("departed").isEmpty());
    Files.deleteIfExists(file);
  }

  private final Set<Long> seenPasses = new HashSet<>();

  /** Passes on ring {@code version} seen (polled) with an unreadable member. */
  private int unreadablePasses(long version) {
    PassReport r = app.reconciler().lastReport();
    if (r != null && r.ringVersion() == version && !r.unreadable().isEmpty()) seenPasses.add(r.startedAtMillis());
    return seenPasses.size();
  }

  private String getQuietly(String path) {
    try {
      return get(path);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static double metricValue(String exposition, String series) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(series) + "(?:\\{[^}]*\\})? (\\S+)$")
        .matcher(exposition);
    assertThat(m.find()).as(series + " in /metrics").isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void aClientPushingEvery100msNeverSeesItsValueReplacedByAnOlderOne() throws Exception {
    Ring three = RingPublisher.current(vertx);
    // Background groups that must migrate during the race (pushed once, quiet afterwards).
    Map<GroupingKey, Long> quiet = new HashMap<>();
    for (int i = 0; i < 60; i++) {
      String path = "/metrics/job/once/instance/h" + i;
      push(path, 5);
      quiet.put(GroupingKeyParser.parse(path), 5L);
    }
    // The racing group: pick one that moves on the scale-out.
    Ring four = Ring.build(Placement.GROUPING_KEY, members, 2);
    String racePath = null;
    for (int i = 0; racePath == null; i++) {
      String p = "/metrics/job/race/instance/r" + i;
      GroupingKey k = GroupingKeyParser.parse(p);
      if (!three.route(k).equals(four.route(k))) racePath = p;
    }
    GroupingKey raceKey = GroupingKeyParser.parse(racePath);
    AtomicLong pushed = new AtomicLong();
    AtomicBoolean stopRace = new AtomicBoolean();
    List<String> violations = new CopyOnWriteArrayList<>();
    AtomicLong checked = new AtomicLong();
    AtomicLong straddled = new AtomicLong();
    String path = racePath;
    Thread client = new Thread(() -> {
      try {
        for (long value = 1; !stopRace.get(); value++) {
          Ring ring = RingPublisher.current(vertx);
          push(path, value);
          pushed.set(value);
          GroupFamilies onOwner = API.families(ring.route(raceKey), Set.of(raceKey)).get(raceKey);
          long seen = onOwner == null ? -1 : (long) Double.parseDouble(onOwner.families().get(0).samples().get(0).value());
          // A push routed on the ring before a change and read on the one after proves nothing: skip it.
          if (RingPublisher.current(vertx) != ring) {
            straddled.incrementAndGet();
          } else if (seen < value) {
            violations.add("pushed " + value + ", owner " + ring.route(raceKey).id() + " holds " + seen);
          } else {
            checked.incrementAndGet();
          }
          Await.sleep(100);
        }
      } catch (Exception e) {
        violations.add("client failed: " + e);
      }
    }, "race-client");
    client.start();
    Await.sleep(5500); // quiet groups become older than reconcile.quiet (5s)
    publish(members, 2);
    Map<GroupingKey, Long> want = new HashMap<>(quiet);
    boolean converged = Await.holdsWithin(CONVERGE, Duration.ofMillis(300), () -> {
      want.put(raceKey, pushed.get());
      Map<GroupingKey, Map<Member, String>> now = fleetNow(want.keySet());
      Map<GroupingKey, Map<Member, String>> exp = expected(four, want);
      // the racing value may have advanced between the two reads: compare its placement only
      return now.keySet().equals(exp.keySet()) && now.entrySet().stream().allMatch(e ->
          e.getKey().equals(raceKey) ? e.getValue().keySet().equals(exp.get(raceKey).keySet()) : e.getValue().equals(exp.get(e.getKey())));
    });
    Await.sleep(1500); // keep racing through further passes
    stopRace.set(true);
    client.join(10_000);
    assertThat(violations).isEmpty();
    assertThat(converged).as("fleet converged: every group only on its owner").isTrue();
    assertThat(pushed.get()).isGreaterThan(20);
    assertThat(checked.get()).isGreaterThan(pushed.get() - 3); // at most the pushes around the one ring change unchecked
    assertThat(straddled.get()).isLessThanOrEqualTo(2);
    Map<GroupingKey, Map<Member, String>> end = fleet(Set.of(raceKey));
    assertThat(end.get(raceKey)).containsOnlyKeys(four.route(raceKey));
    assertThat(Long.parseLong(end.get(raceKey).get(four.route(raceKey)))).isEqualTo(pushed.get());
    Set<Member> holdersOfQuiet = new HashSet<>();
    fleet(quiet.keySet()).forEach((k, m) -> holdersOfQuiet.addAll(m.keySet()));
    assertThat(holdersOfQuiet).isNotEmpty();
  }

  /**
   * The race in its sharpest form: the racing groups themselves are being migrated. Each was
   * pushed once and stayed quiet longer than reconcile.quiet, so after the scale-out the reconciler
   * migrates it to its new owner; its client comes back during that pass (clients resume one after
   * the other, 100 ms apart, from the settle delay on) and pushes to the new owner every 100 ms. After
   * every push the new owner must hold at least the value just pushed: a migration that lands after
   * the push (an older copy) would replace it. Before the routers and the reconciler kept out of
   * each other's way (GroupWriteGuard), a push landing between the owner's re-read and the PUT made
   * this fail about one run in twelve.
   */
  @Test
  void clientsResumingWhileTheirGroupsMigrateNeverSeeTheirValueReplacedByAnOlderOne() throws Exception {
    Ring three = RingPublisher.current(vertx);
    Ring four = Ring.build(Placement.GROUPING_KEY, members, 2);
    // 40 moving groups raced, and 150 more quiet ones so that the pass's migrations last a while.
    List<String> racing = new ArrayList<>();
    Map<GroupingKey, Long> quiet = new HashMap<>();
    for (int i = 0; racing.size() < 40; i++) {
      String p = "/metrics/job/resume/instance/r" + i;
      GroupingKey k = GroupingKeyParser.parse(p);
      if (three.route(k).equals(four.route(k))) continue;
      push(p, 1);
      racing.add(p);
    }
    for (int i = 0; i < 150; i++) {
      String p = "/metrics/job/once/instance/q" + i;
      push(p, 5);
      quiet.put(GroupingKeyParser.parse(p), 5L);
    }
    Await.sleep(5500); // every copy becomes older than reconcile.quiet (5 s): all of them migrate
    long publishedAt = System.nanoTime();
    publish(members, 2);
    Map<GroupingKey, AtomicLong> last = new HashMap<>();
    List<String> violations = new CopyOnWriteArrayList<>();
    AtomicLong checked = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < racing.size(); c++) {
      String path = racing.get(c);
      GroupingKey key = GroupingKeyParser.parse(path);
      AtomicLong pushed = new AtomicLong(1);
      last.put(key, pushed);
      long resumeAt = 300 + 25L * c; // from the settle delay on, through the pass's migrations
      Thread client = new Thread(() -> {
        try {
          Await.sleep(Math.max(0, resumeAt - Await.millisSince(publishedAt)));
          // Only pushes the routers place on the new ring say anything about the owner.
          Await.until("routers on ring 2", CONVERGE, () -> RingPublisher.current(vertx).version() >= 2);
          for (long value = 2; !stop.get(); value++) {
            push(path, value);
            pushed.set(value);
            GroupFamilies onOwner = API.families(four.route(key), Set.of(key)).get(key);
            long seen = onOwner == null ? -1 : (long) Double.parseDouble(onOwner.families().get(0).samples().get(0).value());
            if (seen < value) violations.add(key.printable() + ": pushed " + value + ", owner holds " + seen);
            else checked.incrementAndGet();
            Await.sleep(100);
          }
        } catch (Exception e) {
          violations.add("client " + path + " failed: " + e);
        }
      }, "resume-client-" + c);
      clients.add(client);
      client.start();
    }
    // Which racing groups a pass planned to migrate while their clients were back (every report seen).
    Set<GroupingKey> racingKeys = last.keySet();
    Set<GroupingKey> plannedForMigration = ConcurrentHashMap.newKeySet();
    Thread reports = new Thread(() -> {
      while (!stop.get()) {
        PassReport r = app.reconciler().lastReport();
        if (r != null && r.ringVersion() == 2) {
          r.plan().migrations().stream().map(Action.Migrate::key).filter(racingKeys::contains).forEach(plannedForMigration::add);
        }
        Await.sleep(5);
      }
    }, "pass-reports");
    reports.start();
    clients.add(reports);
    Map<GroupingKey, Long> want = new HashMap<>(quiet);
    boolean converged = Await.holdsWithin(CONVERGE, Duration.ofMillis(100), () -> {
      Map<GroupingKey, Map<Member, String>> now = fleetNow(want.keySet());
      return now.equals(expected(four, want)) && fleetNow(racingKeys).values().stream().allMatch(m -> m.size() == 1);
    });
    Await.sleep(1500); // keep pushing through further passes
    stop.set(true);
    for (Thread t : clients) t.join(10_000);
    System.out.printf("[race] %d clients resumed 0.3-1.3 s after the scale-out, %d pushes checked on the owner, %d racing"
            + " groups planned for migration by a pass, migrations skipped in the last pass %d, client writes that waited for"
            + " the reconciler's %.0f%n", racing.size(), checked.get(),
        plannedForMigration.size(), app.reconciler().lastReport().migrationsSkipped(),
        app.metrics().registry().get("pushring.client.writes.waited").counter().count());
    assertThat(violations).as("a push replaced by an older copy").isEmpty();
    assertThat(converged).as("fleet converged: every group only on its owner").isTrue();
    Map<GroupingKey, Map<Member, String>> end = fleet(racingKeys);
    for (GroupingKey k : racingKeys) {
      assertThat(end.get(k)).as(k.printable()).containsOnlyKeys(four.route(k));
      assertThat(Long.parseLong(end.get(k).get(four.route(k)))).as(k.printable()).isEqualTo(last.get(k).get());
    }
  }
}
