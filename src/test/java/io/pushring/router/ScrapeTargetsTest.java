package io.pushring.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.bus.AdmittedSet;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.vertx.core.json.JsonArray;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code GET /sd/pushgateways}: Prometheus http_sd JSON of the Pushgateways it may scrape. */
class ScrapeTargetsTest {
  private static final Member A = Member.ofAddress("10.0.0.1", 9091);
  private static final Member B = Member.ofAddress("10.0.0.2", 9091);
  private static final Member C = Member.ofAddress("10.0.0.3", 9091);
  private static final Ring AB = Ring.build(Placement.GROUPING_KEY, List.of(A, B), 4);

  @Test
  void withoutTheReconcilerEveryRingMemberIsATarget() {
    JsonArray sd = ScrapeTargets.of(false, AB, null);
    assertThat(sd.encode()).isEqualTo("[{\"targets\":[\"10.0.0.1:9091\"],\"labels\":{\"__meta_pushring_member_id\":\"10.0.0.1_9091\"}},"
        + "{\"targets\":[\"10.0.0.2:9091\"],\"labels\":{\"__meta_pushring_member_id\":\"10.0.0.2_9091\"}}]");
  }

  @Test
  void withTheReconcilerOnlyAdmittedMembersStillInTheRing() {
    AdmittedSet set = new AdmittedSet(List.of(new AdmittedSet.Admitted(B, 1_800_000_000_000L),
        new AdmittedSet.Admitted(C, 1_800_000_000_000L)), 3, "f", 1_800_000_001_000L, false, List.of());
    assertThat(ScrapeTargets.of(true, AB, set).encode()).isEqualTo("[{\"targets\":[\"10.0.0.2:9091\"],\"labels\":"
        + "{\"__meta_pushring_member_id\":\"10.0.0.2_9091\",\"__meta_pushring_admitted_since\":\"2027-01-15T08:00:00Z\"}}]");
    assertThat(ScrapeTargets.of(true, AB, null)).as("nothing published yet").isEmpty();
    assertThat(ScrapeTargets.of(true, null, set)).as("no ring yet").isEmpty();
  }

  @Test
  void theAdmittedSetSurvivesItsJsonForm() {
    AdmittedSet set = new AdmittedSet(List.of(new AdmittedSet.Admitted(new Member("pg-1", "::1", 9091), 5)), 3, "f", 6,
        true, List.of("pg-1"));
    assertThat(AdmittedSet.fromJson(set.toJson().encode())).isEqualTo(set);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AdmittedSet.fromJson("{\"members\":[{\"id\":\"x\"}]}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an admitted set");
  }
}
