package io.pushring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.ring.Member;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemberPacerTest {
  @Test
  void writesToOneMemberAreSpacedWritesToOthersAreNot() throws InterruptedException {
    long[] now = {1_000_000_000L};
    List<Long> sleeps = new ArrayList<>();
    MemberPacer pacer = new MemberPacer(10, () -> now[0], nanos -> {
      sleeps.add(nanos);
      now[0] += nanos;
    });
    Member a = Member.ofAddress("a", 1);
    Member b = Member.ofAddress("b", 1);
    pacer.acquire(a);
    pacer.acquire(b);
    assertThat(sleeps).isEmpty();
    pacer.acquire(a); // 100 ms after the first write to a
    assertThat(sleeps).containsExactly(100_000_000L);
    now[0] += 30_000_000L;
    pacer.acquire(b);
    assertThat(sleeps).containsExactly(100_000_000L); // 130 ms passed since b's write: no wait
    pacer.acquire(a); // a's last write was at t0+100ms, now t0+130ms: 70 ms to wait
    assertThat(sleeps).containsExactly(100_000_000L, 70_000_000L);
  }
}
