package io.pushring.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FormerOwnersTest {
  private static final Member A = Member.ofAddress("10.0.0.1", 9091);
  private static final Member B = Member.ofAddress("10.0.0.2", 9091);
  private static final Member C = Member.ofAddress("10.0.0.3", 9091);
  private static final Member D = Member.ofAddress("10.0.0.4", 9091);

  private static Ring ring(long version, Member... members) {
    return Ring.build(Placement.GROUPING_KEY, List.of(members), version);
  }

  @Test
  void anAddedMemberTakesKeysWhoseFormerOwnerIsTheMemberOfTheCurrentRingThatHeldThem() {
    Ring before = ring(1, A, B, C);
    Ring after = before.withMembers(List.of(A, B, C, D), 2);
    FormerOwners former = FormerOwners.of(after, List.of(before));
    assertThat(former.size()).isEqualTo(1);
    int moved = 0;
    for (long p = 0; p < 100_000; p++) {
      long position = Placement.GROUPING_KEY.hash(Long.toString(p).getBytes());
      Member owner = after.lookup(position);
      Member was = former.formerOwner(0, position);
      Member previousOwner = before.lookup(position);
      // the very instance of the current ring, so the router compares references
      assertThat(after.members()).anySatisfy(m -> assertThat(m).isSameAs(was));
      assertThat(was).isEqualTo(previousOwner);
      if (was != owner) {
        moved++;
        assertThat(owner).isEqualTo(D);
      }
    }
    assertThat(moved).isBetween(20_000, 30_000);   // about a quarter moves to D
  }

  @Test
  void aFormerOwnerThatLeftTheRingIsNotNamed() {
    Ring before = ring(1, A, B, C);
    Ring after = ring(2, A, B);
    FormerOwners former = FormerOwners.of(after, List.of(before));
    for (long p = 0; p < 20_000; p++) {
      long position = Placement.GROUPING_KEY.hash(Long.toString(p).getBytes());
      Member was = former.formerOwner(0, position);
      if (before.lookup(position).equals(C)) assertThat(was).isNull();
      else assertThat(was).isSameAs(after.lookup(position));   // the others did not move
    }
  }

  @Test
  void aMemberBackAtAnotherAddressIsNotTheHolderOfItsOldCopies() {
    Member movedC = new Member(C.id(), "10.9.9.9", 9091);
    Ring before = ring(1, A, B, C);
    Ring after = ring(2, A, B, movedC);
    FormerOwners former = FormerOwners.of(after, List.of(before));
    for (long p = 0; p < 20_000; p++) {
      long position = Placement.GROUPING_KEY.hash(Long.toString(p).getBytes());
      if (before.lookup(position).equals(C)) assertThat(former.formerOwner(0, position)).isNull();
    }
  }

  @Test
  void nothingToDoWithoutAChangeOfMembers() {
    Ring current = ring(3, A, B);
    assertThat(FormerOwners.of(current, List.of()).isEmpty()).isTrue();
    assertThat(FormerOwners.of(current, List.of(ring(1, B, A), Ring.empty(Placement.GROUPING_KEY, 2))).isEmpty()).isTrue();
    assertThat(FormerOwners.of(ring(4), List.of(ring(1, A))).isEmpty()).isTrue();
    List<Ring> mixed = new ArrayList<>();
    mixed.add(Ring.build(Placement.DYNAMIC_SHARDING, List.of(A), 1));
    assertThat(FormerOwners.of(current, mixed).isEmpty()).isTrue();
    assertThat(FormerOwners.none().isEmpty()).isTrue();
  }

  @Test
  void severalPreviousRingsEachNameTheirOwner() {
    Ring v1 = ring(1, A, B, C);
    Ring v2 = ring(2, A, B);        // C died
    Ring v3 = ring(3, A, B, C);     // C is back
    // v1 has v3's members: every key has the same owner there, so it is left out
    assertThat(FormerOwners.of(v3, List.of(v2, v1)).size()).isEqualTo(1);
    Ring v4 = ring(4, A, B, C, D);  // and a scale-out
    FormerOwners former = FormerOwners.of(v4, List.of(v3, v2, v1));
    assertThat(former.size()).isEqualTo(3);
    assertThat(former.version(0)).isEqualTo(3);
    assertThat(former.version(1)).isEqualTo(2);
    int checked = 0;
    for (long p = 0; p < 20_000; p++) {
      long position = Placement.GROUPING_KEY.hash(Long.toString(p).getBytes());
      if (v3.lookup(position).equals(C) && v4.lookup(position).equals(C)) {
        checked++;
        assertThat(former.formerOwner(0, position)).isEqualTo(C);
        assertThat(former.formerOwner(1, position)).isIn(A, B);   // the survivor that held it meanwhile
      }
    }
    assertThat(checked).isPositive();
  }
}
