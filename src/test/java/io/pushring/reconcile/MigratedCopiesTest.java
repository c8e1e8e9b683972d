package io.pushring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MigratedCopiesTest {
  private static final Member A = Member.ofAddress("10.0.0.1", 9091);
  private static final Member B = Member.ofAddress("10.0.0.2", 9091);
  private static final GroupingKey K = GroupingKeyParser.parse("/metrics/job/j");
  private static final GroupingKey L = GroupingKeyParser.parse("/metrics/job/l");

  private static MemberGroups holds(GroupingKey key, double pushTime) {
    return new MemberGroups(List.of(new GroupSnapshot(key, pushTime, 0)), List.of());
  }

  private static double time(Map<Member, MemberGroups> read, Member m) {
    return read.get(m).groups().get(0).pushTime();
  }

  @Test
  void aMigratedCopyIsComparedAtItsDataTimeWhileAnotherCopyExists() {
    MigratedCopies copies = new MigratedCopies();
    copies.record(A, K, 200, 100); // migrated at 200 the data pushed at 100; a client pushed 150 to B
    Map<Member, MemberGroups> seen = copies.apply(Map.of(A, holds(K, 200), B, holds(K, 150)), true);
    assertThat(time(seen, A)).isEqualTo(100);
    assertThat(time(seen, B)).isEqualTo(150);
    assertThat(copies.effective(A, K, 200)).isEqualTo(100);
    assertThat(copies.effective(A, K, 201)).as("a client's push to the owner is its own").isEqualTo(201);
  }

  @Test
  void anEntryIsForgottenOnceTheCopyChangesOrIsAlone() {
    MigratedCopies copies = new MigratedCopies();
    copies.record(A, K, 200, 100);
    assertThat(time(copies.apply(Map.of(A, holds(K, 250), B, holds(K, 150)), true), A)).isEqualTo(250);
    assertThat(copies.size()).isZero();

    copies.record(A, K, 200, 100);
    copies.apply(Map.of(A, holds(K, 200)), false);
    assertThat(copies.size()).as("a member was not read: it may hold a copy").isOne();
    copies.apply(Map.of(A, holds(K, 200), B, new MemberGroups(List.of(), List.of())), true);
    assertThat(copies.size()).as("the only copy: nothing to compare with").isZero();

    copies.record(A, K, 200, 100);
    copies.apply(Map.of(B, holds(K, 150)), false);
    assertThat(copies.size()).as("the owner was not read").isOne();
  }

  @Test
  void memoryIsBounded() {
    MigratedCopies copies = new MigratedCopies(1);
    copies.record(A, K, 200, 100);
    copies.record(A, L, 200, 100);
    assertThat(copies.effective(A, K, 200)).isEqualTo(200);
    assertThat(copies.effective(A, L, 200)).isEqualTo(100);
  }
}
