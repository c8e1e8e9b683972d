package io.pushring.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.PushgatewayProcess.Response;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Differential test against the real Pushgateway 1.5.1: the same raw path (bytes exactly as a client
 * would send them, one char per byte) is PUT to the Pushgateway and parsed by pushring.
 * pushring must accept exactly what the Pushgateway accepts with 2xx, with the same labels as the
 * Pushgateway stores (GET /api/v1/metrics), and reject with 4xx what it rejects or redirects; where
 * the Pushgateway's handler explains a 400, pushring's message must be the same text.
 *
 * <p>Two kinds of path damage a Pushgateway 1.5.1 and run on fresh processes:
 * values that are not UTF-8 (400, yet the group is stored and every later push is refused) and an
 * invalid base64 job name (400, and that route's handler stays locked: its mutex is never released).
 */
class PushgatewayDifferentialTest {
  private static final String BODY = "some_metric 1\n";
  private static PushgatewayProcess pg;

  @BeforeAll
  static void startPushgateway() {
    pg = PushgatewayProcess.start();
  }

  @AfterAll
  static void stopPushgateway() {
    if (pg != null) pg.close();
  }

  /** Paths that leave a Pushgateway usable, whatever it answers. One char = one byte on the wire. */
  static List<String> paths() {
    List<String> p = new ArrayList<>(List.of(
        // plain, label order, base64 and percent forms of one group
        "/metrics/job/a",
        "/metrics/job/a/instance/x",
        "/metrics/job/a/instance/x/region/eu",
        "/metrics/job/a/region/eu/instance/x",
        "/metrics/job/a/instance@base64/eA/region@base64/ZXU",
        "/metrics/job/a/instance@base64/eA==/region@base64/ZXU=",
        "/metrics/job@base64/YQ/instance/x/region/eu",
        "/metrics/job@base64/YQ==/instance/%78/region/%65%75",
        "/metrics/job%2Fa/instance%2Fx%2Fregion%2Feu",
        "/metrics/job%40base64/YQ/instance/x",
        "/metrics/job/%61/%6B/%76",
        // + vs %2B vs %20
        "/metrics/job/a+b",
        "/metrics/job/a%2Bb",
        "/metrics/job/a%2bb",
        "/metrics/job/a%20b",
        "/metrics/job/a/k/x+y%20z%2Bw",
        // %2F inside values: a separator unless base64
        "/metrics/job/a/k/x%2Fy",
        "/metrics/job/a/k/x%2Fy/z",
        "/metrics/job/a/k@base64/eC95",
        "/metrics/job/a/k@base64/eC95/l@base64/eC95Lw==",
        // trailing slashes
        "/metrics/job/a/",
        "/metrics/job/a/instance/",
        "/metrics/job/a/instance/x/",
        "/metrics/job/a/instance",
        "/metrics/job@base64/YQ/",
        // duplicates, job overrides
        "/metrics/job/a/k/1/k/2",
        "/metrics/job/a/k/1/k@base64/Mg/k/3",
        "/metrics/job/h/job/zzz",
        "/metrics/job/h/job@base64/eg",
        "/metrics/job/h/job/",
        // names
        "/metrics/job/a/_/1/A/2/a_1/3/JOB/4/jo/5/joba/6",
        "/metrics/job/a/__x/1",
        "/metrics/job/a/_x/1",
        "/metrics/job/a/__/1",
        "/metrics/job/a/1x/1",
        "/metrics/job/a/a-b/1",
        "/metrics/job/a/a=b/1",
        "/metrics/job/a/@base64/YQ",
        "/metrics/job/a/k@base64@base64/YQ",
        "/metrics/job/a/%C3%A9/1",
        "/metrics/job/a/k%00/1",
        "/metrics/job/a/%ff/1",
        // base64 values
        "/metrics/job/a/k@base64/YQ===",
        "/metrics/job/a/k@base64/=",
        "/metrics/job/a/k@base64/",
        "/metrics/job/a/k@base64/YR",
        "/metrics/job/a/k@base64/Y%0AQ",
        "/metrics/job/a/k@base64/YQ%0D%0A",
        "/metrics/job/a/k@base64/YQ%3D%3D",
        "/metrics/job/a/k@base64/fn5-",
        "/metrics/job/a/k@base64/w7_Dvw==",
        "/metrics/job/a/k@base64/w7x-Pw",
        "/metrics/job/a/k@base64/Y",
        "/metrics/job/a/k@base64/YQ=a",
        "/metrics/job/a/k@base64/foo.bar",
        "/metrics/job/a/k@base64/YWJjZA.",
        "/metrics/job/a/k@base64/YWJjZ%0A",
        "/metrics/job/a/k@base64/YW+j",
        "/metrics/job/a/k@base64/YW%20j",
        "/metrics/job/a/k@base64/a+b/",
        "/metrics/job@base64/=",
        "/metrics/job@base64/",
        "/metrics/job@base64",
        "/metrics/job@base64/=/1x/y",
        // NUL, control characters, non-ASCII
        "/metrics/job/a%00b",
        "/metrics/job/a/k/%00",
        "/metrics/job/a/k/%01%02%1F%7F",
        "/metrics/job/a/k/x%0Ay%0Dz%09",
        "/metrics/job/a/k@base64/AA",
        "/metrics/job/a/k@base64/AAEC",
        "/metrics/job/a/k/\u00c3\u00a9",
        "/metrics/job/%C3%A9/k/%E2%82%AC",
        "/metrics/job/a/k/%F0%9F%98%80",
        "/metrics/job/a/k/%EF%BF%BD",
        "/metrics/job/a/k/%E2%80%8B",
        "/metrics/job/a/k/a\u0001b",
        "/metrics/job/a/k/a\u007fb",
        "/metrics/job/a/k/a\tb",
        // other reserved characters
        "/metrics/job/a/k/a#b",
        "/metrics/job/a/k/a%23b",
        "/metrics/job/a/k/a%3Fb",
        "/metrics/job/a/k/a%25b",
        "/metrics/job/a/k/a=b:c*d;e,f!~'()$&",
        "/metrics/job/a/k/...",
        "/metrics/job/a/k/.x",
        "/metrics/job/a/k/x.",
        "/metrics/job/job@base64",
        "/metrics/job/a/k/x@base64",
        // not clean: 301 from ServeMux
        "/metrics/job//a",
        "/metrics//job/a",
        "//metrics/job/a",
        "/metrics/job/a//",
        "/metrics/job/a/./k/v",
        "/metrics/job/a/k/v/..",
        "/metrics/job/a/k/v/.",
        "/metrics/job/a/../b",
        "/metrics/job/x%2F%2Fy",
        "/metrics/job/a/k/%2E",
        "/metrics/job/a/k/%2e%2E",
        "/metrics/job@base64/.",
        // routes
        "/metrics/job",
        "/metrics/job/",
        "/metrics/jobs/x",
        "/metrics/job@base64x/YQ",
        "/Metrics/job/x",
        "/metrics/JOB/x",
        "/metrics/Job@base64/YQ",
        "/metrics/job/X",
        "/metrics",
        "/",
        // invalid escapes
        "/metrics/job/%zz",
        "/metrics/job/%4",
        "/metrics/job/a%",
        "/metrics/job/a/k/%g0",
        "/metrics/job/a/k/%%41"));
    // very long paths
    p.add("/metrics/job/a/k/" + "v".repeat(20_000));
    p.add("/metrics/job/" + "j".repeat(10_000) + "/k@base64/" + "YWJj".repeat(2_500));
    StringBuilder many = new StringBuilder("/metrics/job/many");
    for (int i = 199; i >= 0; i--) many.append("/l").append(i).append('/').append(i % 7 == 0 ? "%20" : "v" + i);
    p.add(many.toString());
    return p;
  }

  @Test
  void pushringAcceptsExactlyWhatThePushgatewayAccepts() {
    List<String> paths = paths();
    List<String> mismatches = new ArrayList<>();
    int accepted = 0;
    int rejected = 0;
    int redirected = 0;
    Map<Integer, Integer> byStatus = new TreeMap<>();
    for (String path : paths) {
      Response r = pg.put(path, BODY);
      byStatus.merge(r.status(), 1, Integer::sum);
      List<Map<String, String>> stored = pg.groups();
      String verdict = compare(path, r, stored);
      if (verdict != null) mismatches.add(printable(path) + ": " + verdict);
      if (r.is2xx()) accepted++;
      else if (r.status() >= 300 && r.status() < 400) redirected++;
      else rejected++;
      if (!stored.isEmpty()) {
        try {
          pg.deleteAllGroups();
        } catch (IllegalStateException poisoned) { // keep comparing the other paths on a fresh one
          mismatches.add(printable(path) + ": left the Pushgateway unusable: " + poisoned.getMessage());
          pg.close();
          pg = PushgatewayProcess.start();
        }
      }
    }
    System.out.printf("differential: %d paths, Pushgateway accepted %d, rejected %d, redirected %d "
        + "(statuses %s); pushring agrees on %d%n", paths.size(), accepted, rejected, redirected, byStatus,
        paths.size() - mismatches.size());
    assertThat(paths).hasSizeGreaterThanOrEqualTo(80);
    assertThat(accepted).isGreaterThan(30);
    assertThat(rejected + redirected).isGreaterThan(30);
    assertThat(mismatches).isEmpty();
  }

  /** null when pushring agrees with the Pushgateway's answer r and stored groups, else what differs. */
  private static String compare(String path, Response r, List<Map<String, String>> stored) {
    GroupingKey key;
    InvalidPushPathException error = null;
    try {
      key = GroupingKeyParser.parse(path);
    } catch (InvalidPushPathException e) {
      key = null;
      error = e;
    }
    if (r.is2xx()) {
      if (key == null) return "Pushgateway " + r.status() + " but pushring " + error;
      if (stored.size() != 1) return "Pushgateway stored " + stored;
      Map<String, String> ours = new TreeMap<>();
      key.labels().forEach((k, v) -> ours.put(k, new String(v, StandardCharsets.UTF_8)));
      return ours.equals(stored.get(0)) ? null : "labels: Pushgateway " + stored.get(0) + ", pushring " + ours;
    }
    if (key != null) return "Pushgateway " + r.status() + " " + r.bodyText() + " but pushring accepts " + key;
    if (error.status() < 400 || error.status() >= 500) return "pushring status " + error.status();
    if (!stored.isEmpty()) return "Pushgateway rejected (" + r.status() + ") yet stored " + stored;
    String body = r.bodyText();
    switch (r.status()) {
      case 400:
        // Go's server itself (bad request target) has no explanation; the push handler has one, ours must match.
        if (!body.equals("400 Bad Request") && !(error.getMessage() + "\n").equals(body)) {
          return "message: Pushgateway " + body.strip() + ", pushring " + error.getMessage();
        }
        return error.status() == 400 ? null : "pushring status " + error.status();
      case 404:
        return error.status() == 404 && (error.getMessage() + "\n").equals(body) ? null : "pushring " + error;
      case 301:
        // ServeMux redirect to the clean path: pushring names that path (the Location is Go-escaped).
        String location = r.header("location");
        if (location != null && !location.contains("%") && !error.getMessage().contains("\"" + location + "\"")) {
          return "301 to " + location + " but pushring says " + error.getMessage();
        }
        return error.status() == 400 ? null : "pushring status " + error.status();
      default:
        return null; // 307 (router fixes case / trailing slash) and others: any 4xx is right
    }
  }

  @Test
  void equivalentPathsMakeOneGroupInBothAndDistinctPathsDistinctGroups() {
    List<String> same = List.of(
        "/metrics/job/batch/instance/host-1/region/eu%20west",
        "/metrics/job/batch/region/eu%20west/instance/host-1",
        "/metrics/job@base64/YmF0Y2g=/region@base64/ZXUgd2VzdA/instance/host-1",
        "/metrics/job%2Fbatch%2Finstance%2Fhost-1/region/eu%20west",
        "/metrics/job/batch/instance/x/job/y/region/eu%20west/instance/host-1");
    GroupingKey first = GroupingKeyParser.parse(same.get(0));
    for (String path : same) {
      assertThat(pg.put(path, BODY).status()).as(path).isEqualTo(200);
      assertThat(GroupingKeyParser.parse(path)).as(path).isEqualTo(first);
    }
    assertThat(pg.groups()).hasSize(1);
    pg.deleteAllGroups();

    List<String> distinct = List.of(
        "/metrics/job/batch/instance/host-1",
        "/metrics/job/batch/instance/host-1/region/",
        "/metrics/job/batch/instance/host-1/region/eu+west",
        "/metrics/job/batch/instance/host-1/region/eu%20west",
        "/metrics/job/batch/instance/host-1/region/eu%2Bwest%00",
        "/metrics/job/batch/instance/Host-1",
        "/metrics/job/batch%20/instance/host-1",
        "/metrics/job/batch/instancf/host-1");
    Set<GroupingKey> keys = new HashSet<>();
    for (String path : distinct) {
      assertThat(pg.put(path, BODY).status()).as(path).isEqualTo(200);
      keys.add(GroupingKeyParser.parse(path));
    }
    assertThat(pg.groups()).hasSize(distinct.size());
    assertThat(keys).hasSize(distinct.size());
    pg.deleteAllGroups();
  }

  /**
   * Values that are not valid UTF-8: the Pushgateway answers 400 but stores the group anyway, and from
   * then on refuses every push (the gather of its own metrics fails). pushring therefore rejects them.
   */
  @Test
  void invalidUtf8PoisonsAFreshPushgatewayAndPushringRejectsIt() {
    List<String> poison = List.of(
        "/metrics/job/a/k@base64/_w",
        "/metrics/job/a/k/%ff",
        "/metrics/job/a/k/%FF",
        "/metrics/job@base64/_w",
        "/metrics/job/%ff",
        "/metrics/job/a/k@base64/a-_b",
        "/metrics/job/a/k/%ED%A0%80",
        "/metrics/job/a/k/%C0%AF",
        "/metrics/job/a/k@base64/-_-_",
        "/metrics/job/a/k/\u00ff",
        "/metrics/job/a/k/\u00c3");
    for (String path : poison) {
      try (PushgatewayProcess fresh = PushgatewayProcess.start()) {
        Response r = fresh.put(path, BODY);
        assertThat(r.status()).as(path).isEqualTo(400);
        assertThat(r.bodyText()).as(path).contains("is not utf8");
        assertThat(fresh.groups()).as("the group is kept despite the 400: " + path).hasSize(1);
        assertThat(fresh.put("/metrics/job/innocent", BODY).status()).as("later pushes refused").isEqualTo(400);
        assertThatThrownBy(() -> GroupingKeyParser.parse(path)).as(path)
            .isInstanceOfSatisfying(InvalidPushPathException.class, e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.getMessage()).contains("is not valid UTF-8");
            });
      }
    }
    System.out.printf("poison: %d invalid-UTF-8 paths, each stored and wedging a fresh Pushgateway; pushring rejects all%n",
        poison.size());
  }

  /**
   * An invalid base64 job name: Pushgateway 1.5.1 answers 400 but returns before unlocking the push
   * handler's mutex (handler/push.go), so every later request on that method and route hangs.
   */
  @Test
  void invalidBase64JobLocksAFreshPushgatewayRouteAndPushringRejectsIt() {
    List<String> paths = List.of("/metrics/job@base64/YWJjZ", "/metrics/job@base64/YW.j", "/metrics/job@base64/Y/k/v",
        "/metrics/job@base64/%2B");
    for (String path : paths) {
      try (PushgatewayProcess fresh = PushgatewayProcess.start()) {
        Response r = fresh.put(path, BODY);
        assertThat(r.status()).as(path).isEqualTo(400);
        assertThatThrownBy(() -> GroupingKeyParser.parse(path)).as(path)
            .isInstanceOfSatisfying(InvalidPushPathException.class, e ->
                assertThat(e.getMessage() + "\n").isEqualTo(r.bodyText()));
        if (path.equals(paths.get(0))) {
          assertThatThrownBy(() -> fresh.request("PUT", "/metrics/job@base64/YQ", BODY.getBytes(StandardCharsets.UTF_8),
              Duration.ofSeconds(2))).as("the route stays locked").isInstanceOf(UncheckedIOException.class);
          assertThat(fresh.put("/metrics/job/a", BODY).status()).as("other routes still work").isEqualTo(200);
        }
      }
    }
  }

  private static String printable(String path) {
    byte[] b = path.getBytes(StandardCharsets.ISO_8859_1);
    String q = GoQuote.quote(b, 0, b.length);
    return q.length() > 120 ? q.substring(0, 117) + "...\" (" + b.length + " bytes)" : q;
  }
}
