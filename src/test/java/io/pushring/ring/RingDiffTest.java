package io.pushring.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingDiffTest {
  private static final Ring THREE = Ring.build(Placement.GROUPING_KEY,
      List.of(Member.ofAddress("10.0.0.1", 9091), Member.ofAddress("10.0.0.2", 9091), Member.ofAddress("10.0.0.3", 9091)), 1);

  @Test
  void aFirstRingHasEveryMemberAdded() {
    RingDiff d = RingDiff.of(null, THREE);
    assertThat(d.fromVersion()).isZero();
    assertThat(d.toVersion()).isEqualTo(1);
    assertThat(d.added()).containsExactly("10.0.0.1_9091", "10.0.0.2_9091", "10.0.0.3_9091");
    assertThat(d.removed()).isEmpty();
    assertThat(d.moved()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void removingAMemberMovesExactlyItsShareToTheOthers() {
    List<Member> two = new ArrayList<>(THREE.members());
    Member gone = two.remove(1);
    Ring next = THREE.withMembers(two, 2);
    RingDiff d = RingDiff.of(THREE, next);
    assertThat(d.removed()).containsExactly(gone.id());
    assertThat(d.added()).isEmpty();
    double goneShare = THREE.shares()[1];
    assertThat(d.moved()).isCloseTo(goneShare, org.assertj.core.data.Offset.offset(1e-9));
    for (RingDiff.Shift s : d.shifts()) {
      if (s.id().equals(gone.id())) {
        assertThat(s.after()).isZero();
        assertThat(s.address()).isEqualTo(gone.address());
      } else {
        assertThat(s.after()).isGreaterThan(s.before());
      }
    }
    assertThat(d.shifts().stream().mapToDouble(RingDiff.Shift::after).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void anUnchangedMemberSetMovesNothing() {
    RingDiff d = RingDiff.of(THREE, THREE.withVersion(2));
    assertThat(d.added()).isEmpty();
    assertThat(d.removed()).isEmpty();
    assertThat(d.moved()).isZero();
    assertThat(d.shifts()).hasSize(3).allSatisfy(s -> assertThat(s.after()).isEqualTo(s.before()));
  }
}
