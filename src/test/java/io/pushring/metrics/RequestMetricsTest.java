package io.pushring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.vertx.core.http.HttpMethod;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RequestMetrics metrics = new RequestMetrics(registry);
  private final Member a = Member.ofAddress("10.0.0.1", 9091);
  private final Member b = Member.ofAddress("10.0.0.2", 9091);

  private double count(String method, String code, String decision, String member) {
    Counter c = registry.find(RequestMetrics.NAME)
        .tags("method", method, "code", code, "decision", decision, "member", member).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void countsByMethodCodeDecisionAndMember() {
    Ring ring = Ring.build(Placement.GROUPING_KEY, List.of(a, b), 1);
    Member ra = ring.members().get(0);
    Member rb = ring.members().get(1);
    for (int i = 0; i < 3; i++) metrics.count(HttpMethod.PUT, 307, Decision.REDIRECT, ring, ra);
    metrics.count(HttpMethod.POST, 307, Decision.REDIRECT, ring, rb);
    metrics.count(HttpMethod.GET, 200, Decision.LOOKUP, ring, rb);
    metrics.count(HttpMethod.PUT, 400, Decision.REJECT, null, null);
    metrics.count(HttpMethod.PUT, 400, Decision.REJECT, null, null);
    metrics.count(HttpMethod.PATCH, 405, Decision.REJECT, null, null);
    metrics.count(HttpMethod.valueOf("BREW"), 405, Decision.REJECT, null, null);
    metrics.count(HttpMethod.DELETE, 503, Decision.UNAVAILABLE, null, null);

    assertThat(count("PUT", "307", "redirect", a.id())).isEqualTo(3);
    assertThat(count("POST", "307", "redirect", b.id())).isEqualTo(1);
    assertThat(count("GET", "200", "lookup", b.id())).isEqualTo(1);
    assertThat(count("PUT", "400", "reject", "none")).isEqualTo(2);
    assertThat(count("PATCH", "405", "reject", "none")).isEqualTo(1);
    assertThat(count("other", "405", "reject", "none")).as("unknown methods share one label value").isEqualTo(1);
    assertThat(count("DELETE", "503", "unavailable", "none")).isEqualTo(1);
    assertThat(registry.find(RequestMetrics.NAME).counters()).hasSize(7);
  }

  @Test
  void aNewRingKeepsCountingTheSameSeriesForTheSameMemberId() {
    Ring v1 = Ring.build(Placement.GROUPING_KEY, List.of(a, b), 1);
    Ring v2 = v1.withMembers(List.of(a), 2);
    metrics.count(HttpMethod.PUT, 307, Decision.REDIRECT, v1, v1.members().get(0));
    metrics.count(HttpMethod.PUT, 307, Decision.REDIRECT, v2, v2.members().get(0));
    metrics.count(HttpMethod.PUT, 307, Decision.REDIRECT, v2, v2.members().get(0));
    assertThat(count("PUT", "307", "redirect", a.id())).isEqualTo(3);
    assertThat(registry.find(RequestMetrics.NAME).counters()).hasSize(1);
  }

  @Test
  void routersSharingARegistryAddUp() {
    RequestMetrics other = new RequestMetrics(registry);
    Ring ring = Ring.build(Placement.GROUPING_KEY, List.of(a), 1);
    metrics.count(HttpMethod.PUT, 307, Decision.REDIRECT, ring, ring.members().get(0));
    other.count(HttpMethod.PUT, 307, Decision.REDIRECT, ring, ring.members().get(0));
    assertThat(count("PUT", "307", "redirect", a.id())).isEqualTo(2);
    assertThat(RequestStats.byMemberAndDecision(registry).getJsonObject(0).getLong("count")).isEqualTo(2);
  }
}
