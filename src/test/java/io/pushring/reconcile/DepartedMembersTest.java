package io.pushring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DepartedMembersTest {
  private static final Member A = Member.ofAddress("a", 1);
  private static final Member B = Member.ofAddress("b", 1);
  private static final Member C = Member.ofAddress("c", 1);
  private static final Ring ABC = Ring.build(Placement.GROUPING_KEY, List.of(A, B, C), 1);
  private static final Ring AB = Ring.build(Placement.GROUPING_KEY, List.of(A, B), 2);
  private static final long MINUTE = 60_000;

  private final DepartedMembers departed = new DepartedMembers(Duration.ofMinutes(10));

  @Test
  void aMemberThatLeftTheRingIsReadUntilAPassReadsItEmpty() {
    departed.ringChanged(null, ABC);
    assertThat(departed.toRead()).isEmpty();
    departed.ringChanged(ABC, AB);
    assertThat(departed.toRead()).containsExactly(C);
    departed.passed(List.of(C), Map.of(A, 5, B, 5, C, 3), 0);
    assertThat(departed.toRead()).as("still holds groups").containsExactly(C);
    departed.passed(List.of(C), Map.of(A, 5, B, 5, C, 0), MINUTE);
    assertThat(departed.toRead()).isEmpty();
  }

  @Test
  void anUnreadableMemberIsKeptForTheRetentionOfUnreadablePassesThenForgotten() {
    departed.ringChanged(ABC, AB);
    departed.passed(List.of(C), Map.of(A, 5, B, 5), 0); // its check flapped, or it restarts
    assertThat(departed.toRead()).as("one unreadable pass is not enough to forget it").containsExactly(C);
    assertThat(departed.entries()).containsExactly(new DepartedMembers.Entry(C, 0L));
    departed.passed(List.of(C), Map.of(), 9 * MINUTE);
    assertThat(departed.toRead()).containsExactly(C);
    departed.passed(List.of(C), Map.of(), 10 * MINUTE);
    assertThat(departed.toRead()).as("unreadable for the whole retention").isEmpty();
  }

  @Test
  void aSuccessfulReadEndsTheUnreadableStreak() {
    departed.ringChanged(ABC, AB);
    departed.passed(List.of(C), Map.of(), 0);
    departed.passed(List.of(C), Map.of(C, 2), 8 * MINUTE); // back, still holding groups
    assertThat(departed.entries()).containsExactly(new DepartedMembers.Entry(C, null));
    departed.passed(List.of(C), Map.of(), 12 * MINUTE);
    departed.passed(List.of(C), Map.of(), 21 * MINUTE);
    assertThat(departed.toRead()).as("unreadable for 9 minutes since the streak began").containsExactly(C);
    departed.passed(List.of(C), Map.of(), 22 * MINUTE);
    assertThat(departed.toRead()).isEmpty();
  }

  @Test
  void aMemberBackInTheRingIsNoLongerDepartedNorBroughtBackByAPassThatStartedBefore() {
    departed.ringChanged(ABC, AB);
    List<Member> handedToPass = departed.toRead();
    departed.ringChanged(AB, ABC); // C is back while the pass runs
    departed.passed(handedToPass, Map.of(A, 1, B, 1, C, 4), 0);
    assertThat(departed.toRead()).isEmpty();
  }

  @Test
  void zeroRetentionForgetsAfterOneUnreadablePass() {
    DepartedMembers impatient = new DepartedMembers(Duration.ZERO);
    impatient.ringChanged(ABC, AB);
    impatient.passed(List.of(C), Map.of(), 0);
    assertThat(impatient.toRead()).isEmpty();
  }
}
