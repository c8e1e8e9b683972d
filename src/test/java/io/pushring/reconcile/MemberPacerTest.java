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

  @Test
  void aReadDelaysTheMembersNextRequestByFourTimesItsDuration() throws Exception {
    long[] now = {1_000_000_000L};
    List<Long> sleeps = new ArrayList<>();
    MemberPacer pacer = new MemberPacer(10, () -> now[0], nanos -> {
      sleeps.add(nanos);
      now[0] += nanos;
    });
    Member big = Member.ofAddress("big", 1);
    Member other = Member.ofAddress("other", 1);
    String listed = pacer.paced(big, () -> {
      now[0] += 1_000_000_000L; // a 1 s read of a Pushgateway with many groups
      return "groups";
    });
    assertThat(listed).isEqualTo("groups");
    assertThat(sleeps).isEmpty();
    pacer.acquire(other);
    assertThat(sleeps).as("another member is not slowed").isEmpty();
    pacer.acquire(big);
    assertThat(sleeps).containsExactly(4_000_000_000L);
  }

  @Test
  void aQuickReadCostsNoMoreThanTheWriteSlotAndAGuardReadIsChargedOnlyWhenToldTo() throws Exception {
    long[] now = {0};
    List<Long> sleeps = new ArrayList<>();
    MemberPacer pacer = new MemberPacer(10, () -> now[0], nanos -> {
      sleeps.add(nanos);
      now[0] += nanos;
    });
    Member m = Member.ofAddress("m", 1);
    pacer.acquire(m); // slot until 100 ms
    pacer.timed(m, () -> {
      now[0] += 2_000_000L; // 2 ms: charged 8 ms from 2 ms, before the slot ends
      return null;
    });
    pacer.acquire(m);
    assertThat(sleeps).containsExactly(98_000_000L);

    MemberPacer.Measured<String> guard = pacer.measured(() -> {
      now[0] += 50_000_000L;
      return "read";
    });
    assertThat(guard.nanos()).isEqualTo(50_000_000L);
    pacer.acquire(m); // the write the read guards: only the write pace (100 ms after the last slot)
    assertThat(sleeps).containsExactly(98_000_000L, 50_000_000L);
    pacer.charge(m, guard.nanos()); // after the guarded writes: 200 ms from now
    pacer.acquire(m);
    assertThat(sleeps).containsExactly(98_000_000L, 50_000_000L, 200_000_000L);
  }
}
