package io.pushring.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.vertx.core.Vertx;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingHistoryTest {
  private static Ring ring(long version) {
    return Ring.build(Placement.GROUPING_KEY, List.of(Member.ofAddress("10.0.0." + version, 9091)), version);
  }

  @Test
  void keepsTheNewestRingsFirstAndAtMostKept() {
    RingHistory h = RingHistory.empty().with(null, 0);
    assertThat(h.rings()).isEmpty();
    for (int v = 1; v <= 12; v++) h = h.with(ring(v), v * 1_000L);
    assertThat(h.rings()).hasSize(RingHistory.KEPT);
    assertThat(h.rings().get(0).ring().version()).isEqualTo(12);
    assertThat(h.rings().get(RingHistory.KEPT - 1).ring().version()).isEqualTo(5);
  }

  @Test
  void sinceGivesOlderVersionsReplacedWithinTheWindow() {
    RingHistory h = RingHistory.empty().with(ring(1), 1_000).with(ring(2), 2_000).with(ring(3), 3_000);
    assertThat(h.since(ring(4), 1_500)).extracting(Ring::version).containsExactly(3L, 2L);
    assertThat(h.since(ring(3), 0)).extracting(Ring::version).containsExactly(2L, 1L);
    assertThat(h.since(ring(4), 3_001)).isEmpty();
    assertThat(h.oldestSince(1_500, -1)).isEqualTo(2_000);
    assertThat(h.oldestSince(3_001, -1)).isEqualTo(-1);
  }

  @Test
  void publishingARingRecordsTheOneItReplacesBeforeTheRingItself() {
    Vertx vertx = Vertx.vertx();
    try {
      RingPublisher.registerCodec(vertx);
      RingPublisher.publish(vertx, ring(1));
      assertThat(RingPublisher.history(vertx).rings()).isEmpty();
      RingPublisher.publish(vertx, ring(2));
      assertThat(RingPublisher.history(vertx).rings()).extracting(r -> r.ring().version()).containsExactly(1L);
      assertThat(RingPublisher.current(vertx).version()).isEqualTo(2);
    } finally {
      vertx.close().await();
    }
  }
}
