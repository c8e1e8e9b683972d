package io.pushring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.testing.Await;
import io.pushring.testing.PushgatewayProcess;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The streaming reader of {@code GET /api/v1/metrics}, against a real Pushgateway 1.5.1 and against synthetic streams. */
class MetricsApiReaderTest {
  private static PushgatewayProcess pg;
  private static Member member;
  private static final PushgatewayClient CLIENT = new PushgatewayClient("http", Duration.ofSeconds(10));

  @BeforeAll
  static void start() {
    pg = PushgatewayProcess.start();
    member = Member.ofAddress(pg.host(), pg.port());
  }

  @AfterAll
  static void stop() {
    if (pg != null) pg.close();
  }

  @BeforeEach
  void empty() {
    pg.deleteAllGroups();
  }

  @Test
  void groupsCarryTheirKeyAndThePushTimesThePushgatewayExports() throws IOException {
    assertThat(pg.put("/metrics/job/a/instance/x", "m 1\n").status()).isEqualTo(200);
    assertThat(pg.put("/metrics/job/b/path@base64/eC95/empty@base64/=", "# TYPE c counter\nc 2\n").status()).isEqualTo(200);
    // A first push that parses but fails the Pushgateway's check leaves a group with a failure time
    // and no push time (a push that does not even parse leaves nothing).
    assertThat(pg.put("/metrics/job/c", "m 1 1700000000000\n").status()).isEqualTo(400);

    MemberGroups read = CLIENT.groups(member);
    assertThat(read.unnamed()).isEmpty();
    Map<GroupingKey, GroupSnapshot> byKey = new java.util.HashMap<>();
    read.groups().forEach(g -> byKey.put(g.key(), g));
    assertThat(byKey).containsOnlyKeys(GroupingKeyParser.parse("/metrics/job/a/instance/x"),
        GroupingKeyParser.parse("/metrics/job/b/empty@base64/=/path@base64/eC95"), GroupingKeyParser.parse("/metrics/job/c"));

    String exported = pg.request("GET", "/metrics", null, Duration.ofSeconds(10)).bodyText();
    GroupSnapshot a = byKey.get(GroupingKeyParser.parse("/metrics/job/a/instance/x"));
    assertThat(a.pushTime()).isEqualTo(exportedValue(exported, "push_time_seconds{instance=\"x\",job=\"a\"}"));
    assertThat(a.pushTime()).isGreaterThan(1.7e9);
    assertThat(a.failureTime()).isZero();
    GroupSnapshot c = byKey.get(GroupingKeyParser.parse("/metrics/job/c"));
    assertThat(c.pushTime()).isZero();
    assertThat(c.failureTime()).isEqualTo(exportedValue(exported, "push_failure_time_seconds{instance=\"\",job=\"c\"}"));
  }

  @Test
  void aFamilyNamedLabelsHidesTheGroupsLabelsSoTheGroupIsReportedUnnamed() throws IOException {
    assertThat(pg.put("/metrics/job/hidden", "labels 1\n").status()).isEqualTo(200);
    try {
      assertThat(pg.put("/metrics/job/seen", "other 1\n").status()).isEqualTo(200);
      MemberGroups read = CLIENT.groups(member);
      assertThat(read.groups()).extracting(GroupSnapshot::key).containsExactly(GroupingKeyParser.parse("/metrics/job/seen"));
      assertThat(read.unnamed()).hasSize(1);
      assertThat(read.unnamed().get(0)).contains("named \"labels\"");
    } finally {
      // deleteAllGroups cannot name this group either
      assertThat(pg.request("DELETE", "/metrics/job/hidden", null, Duration.ofSeconds(5)).status()).isEqualTo(202);
      Await.until("the hidden group deleted", Duration.ofSeconds(5),
          () -> !pg.request("GET", "/api/v1/metrics", null, Duration.ofSeconds(5)).bodyText().contains("hidden"));
    }
  }

  @Test
  void familiesAreReadOnlyForTheWantedGroups() throws IOException {
    pg.put("/metrics/job/a", "# HELP m help text\n# TYPE m gauge\nm{x=\"1\"} 1.5\nm{x=\"2\"} NaN\n");
    pg.put("/metrics/job/b", "n 1\n");
    GroupingKey a = GroupingKeyParser.parse("/metrics/job/a");
    Map<GroupingKey, GroupFamilies> read = CLIENT.families(member, Set.of(a));
    assertThat(read).containsOnlyKeys(a);
    GroupFamilies fa = read.get(a);
    assertThat(fa.labels()).containsExactly(Map.entry("job", "a"));
    assertThat(fa.families()).hasSize(1);
    MetricFamily m = fa.families().get(0);
    assertThat(m.name()).isEqualTo("m");
    assertThat(m.type()).isEqualTo(MetricType.GAUGE);
    assertThat(m.help()).isEqualTo("help text");
    assertThat(m.samples()).extracting(Sample::value).containsExactly("1.5", "NaN");
    assertThat(m.samples().get(0).labels()).containsEntry("x", "1").containsEntry("instance", "");
  }

  @Test
  void malformedAnswersAreErrorsNotEmptyFleets() {
    assertThatThrownBy(() -> MetricsApiReader.readGroups(stream("{\"status\":\"error\",\"data\":[]}")))
        .hasMessageContaining("not success");
    assertThatThrownBy(() -> MetricsApiReader.readGroups(stream("{\"status\":\"success\"}")))
        .hasMessageContaining("no data");
    assertThatThrownBy(() -> MetricsApiReader.readGroups(stream("{\"status\":\"success\",\"data\":[{\"labels\":")))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> MetricsApiReader.readGroups(stream(
        "{\"status\":\"success\",\"data\":[{\"labels\":{\"job\":\"a\"},\"push_time_seconds\":{\"metrics\":[{\"value\":\"1\\n2\"}]}}]}")))
        .hasMessageContaining("not a number");
  }

  /**
   * 100,000 groups, each with a 2 KB family, streamed from a generator (about 220 MB of JSON never in
   * memory at once): what the reader keeps is measured and bounded per group.
   */
  @Test
  void oneHundredThousandGroupsAreReadAsAStreamAndKeptSmall() throws IOException {
    int groups = 100_000;
    String family = "\"big\":{\"time_stamp\":\"2026-01-01T00:00:00Z\",\"type\":\"GAUGE\",\"metrics\":["
        + "{\"labels\":{\"pad\":\"" + "x".repeat(2000) + "\"},\"value\":\"1\"}]},";
    InputStream in = new GeneratedStream(groups, i -> "{" + family
        + "\"labels\":{\"instance\":\"host-" + i + "\",\"job\":\"batch\"},\"last_push_successful\":true,"
        + "\"push_time_seconds\":{\"type\":\"GAUGE\",\"metrics\":[{\"labels\":{},\"value\":\"1.7e+09\"}]}}");
    long before = usedHeapAfterGc();
    MemberGroups read = MetricsApiReader.readGroups(in);
    long retained = usedHeapAfterGc() - before;
    assertThat(read.groups()).hasSize(groups);
    assertThat(read.groups().get(99_999).key()).isEqualTo(GroupingKeyParser.parse("/metrics/job/batch/instance/host-99999"));
    System.out.printf("read %d groups from %d MB of JSON, retained %d bytes per group%n",
        groups, ((GeneratedStream) in).produced >> 20, retained / groups);
    // Far below the 2 KB of families per group that a buffering reader would hold.
    assertThat(retained / groups).isLessThan(1024);
    assertThat(((GeneratedStream) in).produced).isGreaterThan(200L << 20);
  }

  private static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }

  private static double exportedValue(String exposition, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposition);
    assertThat(m.find()).as(series + " in\n" + exposition).isTrue();
    return GoFloat.parse(m.group(1));
  }

  private static InputStream stream(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  /** {"status":"success","data":[group(0),group(1),...]} produced on demand. */
  private static final class GeneratedStream extends InputStream {
    private final int count;
    private final java.util.function.IntFunction<String> group;
    private int next = -1;
    private byte[] chunk = "{\"status\":\"success\",\"data\":[".getBytes(StandardCharsets.UTF_8);
    private int pos;
    long produced;

    GeneratedStream(int count, java.util.function.IntFunction<String> group) {
      this.count = count;
      this.group = group;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      while (pos == chunk.length) {
        next++;
        if (next > count) return -1;
        String s = next == count ? "]}" : (next > 0 ? "," : "") + group.apply(next);
        chunk = s.getBytes(StandardCharsets.UTF_8);
        pos = 0;
      }
      int n = Math.min(len, chunk.length - pos);
      System.arraycopy(chunk, pos, b, off, n);
      pos += n;
      produced += n;
      return n;
    }
  }

}
