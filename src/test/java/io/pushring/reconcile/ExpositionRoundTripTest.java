package io.pushring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.testing.PushgatewayProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The exposition rebuilt from the API round-trips through real Pushgateways: the original text is
 * pushed to one, its families read from the API and rebuilt, the rebuild pushed to a second one under
 * the reconciler's base64 path, and the families read back from the second must equal the first's
 * exactly (names, types, HELP, every sample's labels and every number as the API prints it).
 * Family names differ between cases: a Pushgateway refuses a push whose family has another type in
 * another group it holds (its consistency check), which a migration can meet too (the PUT fails,
 * the source copy stays).
 */
class ExpositionRoundTripTest {
  private static PushgatewayProcess source;
  private static PushgatewayProcess target;
  private static final PushgatewayClient CLIENT = new PushgatewayClient("http", Duration.ofSeconds(10));

  @BeforeAll
  static void start() {
    source = PushgatewayProcess.start();
    target = PushgatewayProcess.start();
  }

  @AfterAll
  static void stop() {
    if (source != null) source.close();
    if (target != null) target.close();
  }

  static List<Arguments> cases() {
    return List.of(
        Arguments.of("counter", "/metrics/job/rt/case/counter",
            "# HELP c_total Requests.\n# TYPE c_total counter\nc_total{code=\"200\"} 1027\nc_total{code=\"500\"} 3\n"),
        Arguments.of("gauge with NaN and infinities", "/metrics/job/rt/case/gauge",
            "# TYPE g gauge\ng{k=\"nan\"} NaN\ng{k=\"pos\"} +Inf\ng{k=\"neg\"} -Inf\ng{k=\"tiny\"} 1e-300\ng{k=\"big\"} 1.7976931348623157e+308\ng{k=\"neg0\"} -0\n"),
        Arguments.of("untyped without HELP or TYPE", "/metrics/job/rt/case/untyped", "u 42\nu2{a=\"b\"} -1.5\n"),
        Arguments.of("summary", "/metrics/job/rt/case/summary",
            "# HELP s Latency.\n# TYPE s summary\ns{quantile=\"0.5\"} 0.1\ns{quantile=\"0.9\"} 0.25\ns{quantile=\"0.99\"} NaN\ns_sum 12.5\ns_count 100\n"
                + "s{path=\"/x\",quantile=\"0.5\"} 1\ns_sum{path=\"/x\"} 1\ns_count{path=\"/x\"} 1\n"),
        Arguments.of("summary without quantiles", "/metrics/job/rt/case/summary0",
            "# TYPE s0 summary\ns0_sum 0\ns0_count 0\n"),
        Arguments.of("histogram", "/metrics/job/rt/case/histogram",
            "# HELP h Sizes.\n# TYPE h histogram\nh_bucket{le=\"0.005\"} 1\nh_bucket{le=\"0.1\"} 5\nh_bucket{le=\"1\"} 7\n"
                + "h_bucket{le=\"10\"} 9\nh_bucket{le=\"+Inf\"} 10\nh_sum 23.25\nh_count 10\n"
                + "h_bucket{m=\"x\",le=\"+Inf\"} 0\nh_sum{m=\"x\"} 0\nh_count{m=\"x\"} 0\n"),
        Arguments.of("escaping in labels and HELP", "/metrics/job/rt/case@base64/ZXNjYXBlIC8gIg",
            "# HELP e A \"quoted\" help with a \\\\ backslash\\nand a newline.\n# TYPE e gauge\n"
                + "e{v=\"q\\\"uote\",w=\"back\\\\slash\",x=\"new\\nline\",y=\"\u2713 \u00e9 {},=\"} 1\n"),
        Arguments.of("empty label values and an explicit instance", "/metrics/job/rt/case/empty/empty@base64/=",
            "m{a=\"\"} 1\nm{instance=\"i1\"} 2\n"),
        Arguments.of("metric labels equal to grouping labels", "/metrics/job/rt/case/grouping/instance/h1",
            "m{job=\"rt\",instance=\"h1\",x=\"1\"} 1\n"),
        Arguments.of("several families of every type", "/metrics/job/rt/case/all",
            "# TYPE all_a counter\nall_a 1\n# TYPE all_b gauge\nall_b 2\nall_c 3\n# TYPE all_d summary\nall_d_sum 1\nall_d_count 1\n"
                + "# TYPE all_e histogram\nall_e_bucket{le=\"+Inf\"} 1\nall_e_sum 1\nall_e_count 1\n"
                + "# HELP all_f_total With help.\n# TYPE all_f_total counter\nall_f_total 0\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rebuiltExpositionGivesTheSameFamilies(String name, String path, String original) throws IOException {
    PushgatewayProcess.Response pushed = source.put(path, original);
    assertThat(pushed.status()).as(pushed.bodyText()).isEqualTo(200);
    GroupingKey key = GroupingKeyParser.parse(path);
    GroupFamilies read = families(source, key);

    String rebuilt = Exposition.render(read);
    PushgatewayProcess.Response moved = target.put(key.base64Path(), rebuilt);
    assertThat(moved.status()).as(rebuilt + "\n" + moved.bodyText()).isEqualTo(200);
    GroupFamilies readBack = families(target, key);

    assertThat(readBack.labels()).isEqualTo(read.labels());
    assertThat(readBack.families()).as("rebuilt:\n" + rebuilt).isEqualTo(read.families());
    // Not vacuous: every family of the original is there.
    assertThat(read.families()).isNotEmpty();
    assertThat(read.families()).allSatisfy(f -> assertThat(f.samples()).isNotEmpty());
  }

  @Test
  void renderingIsTheTextFormat() {
    GroupingKey key = GroupingKeyParser.parse("/metrics/job/j/instance/i");
    Map<String, String> grouping = new TreeMap<>(Map.of("job", "j", "instance", "i"));
    GroupFamilies group = new GroupFamilies(key, new TreeMap<>(grouping), 1, List.of(
        new MetricFamily("z", MetricType.HISTOGRAM, "", List.of(new Sample(withGrouping(grouping, Map.of()), null, List.of(),
            Sample.sortedBounds(Map.of("+Inf", "3", "10", "2", "0.5", "1")), "3", "4.5"))),
        new MetricFamily("a", MetricType.GAUGE, "say \"hi\"\\\n", List.of(
            new Sample(withGrouping(grouping, Map.of("l", "a\"b\\c\nd")), "1e-07", List.of(), List.of(), null, null)))));
    assertThat(Exposition.render(group)).isEqualTo(
        "# HELP a say \"hi\"\\\\\\n\n# TYPE a gauge\na{l=\"a\\\"b\\\\c\\nd\"} 1e-07\n"
            + "# TYPE z histogram\nz_bucket{le=\"0.5\"} 1\nz_bucket{le=\"10\"} 2\nz_bucket{le=\"+Inf\"} 3\nz_sum 4.5\nz_count 3\n");
  }

  @Test
  void whatTheTextFormatCannotCarryIsRefused() {
    GroupingKey key = GroupingKeyParser.parse("/metrics/job/j");
    Map<String, String> grouping = Map.of("job", "j");
    assertThatThrownBy(() -> Exposition.render(new GroupFamilies(key, new TreeMap<>(grouping), 1, List.of(
        new MetricFamily("bad name", MetricType.GAUGE, "", List.of(new Sample(new TreeMap<>(), "1", List.of(), List.of(), null, null)))))))
        .hasMessageContaining("invalid metric name");
    assertThatThrownBy(() -> Exposition.render(new GroupFamilies(key, new TreeMap<>(grouping), 1, List.of(
        new MetricFamily("g", MetricType.GAUGE_HISTOGRAM, "", List.of())))))
        .hasMessageContaining("gauge histogram");
  }

  private static TreeMap<String, String> withGrouping(Map<String, String> grouping, Map<String, String> own) {
    TreeMap<String, String> m = new TreeMap<>(grouping);
    m.putAll(own);
    return m;
  }

  private static GroupFamilies families(PushgatewayProcess pg, GroupingKey key) throws IOException {
    Map<GroupingKey, GroupFamilies> read = CLIENT.families(Member.ofAddress(pg.host(), pg.port()), Set.of(key));
    assertThat(read).containsOnlyKeys(key);
    return read.get(key);
  }
}
