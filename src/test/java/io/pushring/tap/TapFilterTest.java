package io.pushring.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushring.key.GroupingKeyParser;
import io.pushring.metrics.Decision;
import io.vertx.core.MultiMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TapFilterTest {
  private static TapEvent event(String job, String member, String address, String decision) {
    return new TapEvent(0, "PUT", "/metrics/job/" + job, GroupingKeyParser.parse("/metrics/job/" + job), member, address,
        decision, 307, 1, 5, null);
  }

  private static MultiMap params(String... kv) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i + 1 < kv.length; i += 2) m.add(kv[i], kv[i + 1]);
    return m;
  }

  @Test
  void noParametersMatchEverything() {
    TapFilter f = TapFilter.parse(params());
    assertThat(f).isEqualTo(TapFilter.ALL);
    assertThat(f.matches(event("a", "m1", "10.0.0.1:9091", "redirect"))).isTrue();
    assertThat(f.matches(new TapEvent(0, "PUT", "/metrics/bad", null, null, null, "reject", 404, 1, 1, "x"))).isTrue();
    assertThat(f.describe()).isEqualTo("job=* member=* decision=* sample=1");
  }

  @Test
  void jobIsAnExactMatchOnTheJobLabel() {
    TapFilter f = TapFilter.parse(params("job", "batch"));
    assertThat(f.matches(event("batch", "m1", "a:1", "redirect"))).isTrue();
    assertThat(f.matches(event("batch2", "m1", "a:1", "redirect"))).isFalse();
    assertThat(f.matches(new TapEvent(0, "PUT", "/metrics/x", null, null, null, "reject", 404, 1, 1, "x"))).isFalse();
  }

  @Test
  void memberMatchesIdOrAddress() {
    TapFilter byId = TapFilter.parse(params("member", "10.0.0.1_9091"));
    TapFilter byAddress = TapFilter.parse(params("member", "10.0.0.1:9091"));
    TapEvent e = event("j", "10.0.0.1_9091", "10.0.0.1:9091", "redirect");
    assertThat(byId.matches(e)).isTrue();
    assertThat(byAddress.matches(e)).isTrue();
    assertThat(byId.matches(event("j", "10.0.0.2_9091", "10.0.0.2:9091", "redirect"))).isFalse();
    assertThat(byId.matches(event("j", null, null, "reject"))).isFalse();
  }

  @Test
  void decisionIsACommaSeparatedSetCaseInsensitive() {
    TapFilter f = TapFilter.parse(params("decision", "Reject, unavailable"));
    assertThat(f.decisions()).containsExactlyInAnyOrder(Decision.REJECT, Decision.UNAVAILABLE);
    assertThat(f.matches(event("j", null, null, "reject"))).isTrue();
    assertThat(f.matches(event("j", null, null, "unavailable"))).isTrue();
    assertThat(f.matches(event("j", "m", "a:1", "redirect"))).isFalse();
    assertThat(f.describe()).isEqualTo("job=* member=* decision=reject,unavailable sample=1");
  }

  private static ReconcileEvent reconcile(String action, String job, String from, String to) {
    return new ReconcileEvent(0, 1, action, "done", job == null ? null : GroupingKeyParser.parse("/metrics/job/" + job),
        from, from == null ? null : from.replace('_', ':'), to, to == null ? null : to.replace('_', ':'), 1, 2, null, null);
  }

  @Test
  void reconcileEventsAreFilteredByTypeJobMemberAndAction() {
    ReconcileEvent migrate = reconcile("migrate", "batch", "10.0.0.1_9091", "10.0.0.2_9091");
    ReconcileEvent pass = reconcile("pass", null, null, null);
    assertThat(TapFilter.ALL.matches(migrate)).isTrue();
    assertThat(TapFilter.ALL.matches(pass)).isTrue();
    assertThat(TapFilter.parse(params("type", "reconcile")).matches(migrate)).isTrue();
    assertThat(TapFilter.parse(params("type", "route")).matches(migrate)).isFalse();
    assertThat(TapFilter.parse(params("type", "reconcile")).matches(event("a", "m", "a:1", "redirect"))).isFalse();
    assertThat(TapFilter.parse(params("job", "batch")).matches(migrate)).isTrue();
    assertThat(TapFilter.parse(params("job", "batch")).matches(pass)).as("no job").isFalse();
    assertThat(TapFilter.parse(params("member", "10.0.0.2:9091")).matches(migrate)).as("either end, by address").isTrue();
    assertThat(TapFilter.parse(params("member", "10.0.0.1_9091")).matches(migrate)).as("either end, by id").isTrue();
    assertThat(TapFilter.parse(params("member", "10.0.0.3_9091")).matches(migrate)).isFalse();
    TapFilter actions = TapFilter.parse(params("action", "delete, Migrate"));
    assertThat(actions.matches(migrate)).isTrue();
    assertThat(actions.matches(pass)).isFalse();
    assertThat(actions.matches(event("a", "m", "a:1", "redirect"))).as("a routing decision has no action").isFalse();
    assertThat(TapFilter.parse(params("decision", "redirect")).matches(migrate)).as("no decision").isFalse();
    assertThat(actions.describe()).isEqualTo("job=* member=* decision=* action=delete,migrate sample=1");
    assertThat(TapFilter.parse(params("type", "reconcile")).describe()).startsWith("type=reconcile job=*");
    assertThatThrownBy(() -> TapFilter.parse(params("action", "teleport")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("action:").hasMessageContaining("teleport");
    assertThatThrownBy(() -> TapFilter.parse(params("type", "ring")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("type:");
  }

  @Test
  void badParametersAreNamed() {
    assertThatThrownBy(() -> TapFilter.parse(params("decision", "redirect,teleport")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("decision").hasMessageContaining("teleport");
    for (String bad : new String[] {"0", "-0.1", "1.5", "abc", "NaN"}) {
      assertThatThrownBy(() -> TapFilter.parse(params("sample", bad)))
          .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("sample:");
    }
  }

  @Test
  void sampleKeepsTheGivenFraction() {
    TapFilter tenth = TapFilter.parse(params("sample", "0.1"));
    assertThat(tenth.sample()).isEqualTo(0.1);
    assertThat(tenth.sampled(() -> 0.05)).isTrue();
    assertThat(tenth.sampled(() -> 0.1)).isFalse();
    assertThat(tenth.sampled(() -> 0.99)).isFalse();
    // Over a uniform sequence exactly a tenth passes.
    int kept = 0;
    for (int i = 0; i < 1000; i++) {
      double r = i / 1000.0;
      if (tenth.sampled(() -> r)) kept++;
    }
    assertThat(kept).isEqualTo(100);
    assertThat(TapFilter.ALL.sampled(() -> 0.999)).isTrue();
    assertThat(tenth.describe()).endsWith("sample=0.1");
  }

  @Test
  void eventJsonHasTheDocumentedFieldsInReadingOrder() {
    TapEvent e = new TapEvent(1_700_000_000_123L, "PUT", "/metrics/job/a", GroupingKeyParser.parse("/metrics/job/a"), "m1", "10.0.0.1:9091",
        "redirect", 307, 4, 12, null);
    assertThat(e.toJson().fieldNames()).containsExactly("ts", "method", "path", "key", "member", "decision", "status",
        "ringVersion", "micros", "job", "address");
    assertThat(e.toJson().getString("ts")).isEqualTo("2023-11-14T22:13:20.123Z");
    TapEvent rejected = new TapEvent(0, "PUT", "/metrics/job", null, null, null, "reject", 404, 4, 3, "not found");
    assertThat(rejected.toJson().fieldNames()).containsExactly("ts", "method", "path", "decision", "status",
        "ringVersion", "micros", "reason");
    assertThat(Set.copyOf(TapFilter.ALL.decisions())).isEmpty();
  }
}
