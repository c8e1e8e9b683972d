package io.pushring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.bus.AdmittedSet;
import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The admission state machine (joined → admitted; left → not scraped) and the stale-copy rule it reads. */
class AdmissionTest {
  private static final Member A = Member.ofAddress("10.0.0.1", 9091);
  private static final Member B = Member.ofAddress("10.0.0.2", 9091);
  private static final Member C = Member.ofAddress("10.0.0.3", 9091);
  private static final Ring AB = Ring.build(Placement.GROUPING_KEY, List.of(A, B), 1);
  private static final Ring ABC = Ring.build(Placement.GROUPING_KEY, List.of(A, B, C), 2);

  private static Set<Member> admitted(Admission a) {
    Set<Member> out = new java.util.HashSet<>();
    a.admitted().forEach(x -> out.add(x.member()));
    return out;
  }

  @Test
  void aMemberIsAdmittedByTheFirstCleanPassAfterItJoined() {
    Admission a = Admission.none().onRing(AB);
    assertThat(admitted(a)).isEmpty();
    assertThat(a.waiting()).containsExactly(A, B);
    long epoch = a.epoch();
    a = a.afterPass(epoch, Set.of(A, B), 1000);
    assertThat(admitted(a)).containsExactlyInAnyOrder(A, B);
    assertThat(a.admitted()).allMatch(x -> x.sinceMillis() == 1000);
    assertThat(a.waiting()).isEmpty();
  }

  @Test
  void aMemberHoldingAStaleCopyWaitsForAPassThatFindsItClean() {
    Admission a = Admission.none().onRing(AB).afterPass(1, Set.of(A, B), 1000).onRing(ABC);
    assertThat(a.waiting()).containsExactly(C);
    a = a.afterPass(a.epoch(), Set.of(A, B), 2000); // C still held a stale copy after that pass
    assertThat(a.isAdmitted(C)).isFalse();
    a = a.afterPass(a.epoch(), Set.of(A, B, C), 3000);
    assertThat(a.isAdmitted(C)).isTrue();
    assertThat(a.admitted()).filteredOn(x -> x.member().equals(C)).singleElement().extracting(AdmittedSet.Admitted::sinceMillis)
        .isEqualTo(3000L);
    assertThat(a.admitted()).filteredOn(x -> x.member().equals(A)).singleElement().extracting(AdmittedSet.Admitted::sinceMillis)
        .isEqualTo(1000L);
  }

  @Test
  void aMemberThatLeavesLosesAdmissionAndMustBeAdmittedAgainOnReturn() {
    Admission a = Admission.none().onRing(ABC).afterPass(1, Set.of(A, B, C), 1000);
    assertThat(a.isAdmitted(C)).isTrue();
    a = a.onRing(AB);
    assertThat(a.isAdmitted(C)).isFalse();
    a = a.onRing(ABC);
    assertThat(a.isAdmitted(C)).as("back in the ring: not admitted until a pass").isFalse();
    assertThat(a.isAdmitted(A)).isTrue();
    a = a.afterPass(a.epoch(), Set.of(A, B, C), 5000);
    assertThat(a.isAdmitted(C)).isTrue();
  }

  @Test
  void aPassThatStartedBeforeAMemberReturnedDoesNotAdmitIt() {
    Admission a = Admission.none().onRing(ABC).afterPass(1, Set.of(A, B, C), 1000).onRing(AB);
    long passStartedIn = a.epoch(); // a pass starts while C is out ...
    a = a.onRing(ABC); // ... C comes back during it
    a = a.afterPass(passStartedIn, Set.of(A, B, C), 2000);
    assertThat(a.isAdmitted(C)).isFalse();
  }

  @Test
  void anAdmittedMemberStaysAdmittedWhileInTheRingEvenIfAPassFindsAStaleCopyOnIt() {
    Admission a = Admission.none().onRing(AB).afterPass(1, Set.of(A, B), 1000);
    a = a.afterPass(a.epoch(), Set.of(A), 2000); // B held a copy a client had just made old
    assertThat(a.isAdmitted(B)).isTrue();
  }

  @Test
  void aMemberWithTheSameIdAtAnotherAddressIsANewMember() {
    Member movedC = new Member(C.id(), "10.0.0.33", 9091);
    Admission a = Admission.none().onRing(ABC).afterPass(1, Set.of(A, B, C), 1000);
    a = a.onRing(Ring.build(Placement.GROUPING_KEY, List.of(A, B, movedC), 3));
    assertThat(a.isAdmitted(movedC)).isFalse();
  }

  @Test
  void seedingKeepsWhatThePreviousPublisherAdmittedAndIsInTheRing() {
    Admission a = Admission.none().onRing(AB)
        .seededFrom(List.of(new AdmittedSet.Admitted(A, 500), new AdmittedSet.Admitted(C, 600)));
    assertThat(admitted(a)).containsExactly(A);
    assertThat(a.admitted().get(0).sinceMillis()).isEqualTo(500);
  }

  @Test
  void aDryRunPublishesEveryMember() {
    Admission a = Admission.none().onRing(ABC).afterPass(1, Set.of(A), 1000);
    assertThat(a.everyMember(7000)).extracting(AdmittedSet.Admitted::member).containsExactlyInAnyOrder(A, B, C);
  }

  // ---- StaleCopies: who still holds an older copy after the pass's actions ----

  private static final GroupingKey K = GroupingKeyParser.parse("/metrics/job/j/i/1");
  private static final GroupingKey L = GroupingKeyParser.parse("/metrics/job/j/i/2");

  private static Map<Member, MemberGroups> read(Object... memberKeyTime) {
    Map<Member, List<GroupSnapshot>> groups = new HashMap<>();
    for (int i = 0; i < memberKeyTime.length; i += 3) {
      groups.computeIfAbsent((Member) memberKeyTime[i], m -> new java.util.ArrayList<>())
          .add(new GroupSnapshot((GroupingKey) memberKeyTime[i + 1], (Double) memberKeyTime[i + 2], 0));
    }
    Map<Member, MemberGroups> out = new HashMap<>();
    for (Member m : List.of(A, B, C)) out.put(m, new MemberGroups(groups.getOrDefault(m, List.of()), List.of()));
    return out;
  }

  @Test
  void staleHoldersAreTheMembersWithAnOlderCopyAfterTheActions() {
    Map<Member, MemberGroups> r = read(A, K, 100.0, B, K, 200.0, C, L, 50.0, A, L, 50.0);
    assertThat(StaleCopies.holders(r, Set.of(), List.of())).containsExactly(A);
    assertThat(StaleCopies.holders(r, Set.of(new StaleCopies.Copy(A, K)), List.of())).isEmpty();
    // migrating B's copy to A replaces A's stale one; B's is deleted with it
    assertThat(StaleCopies.holders(r, Set.of(new StaleCopies.Copy(B, K)), List.of(new Action.Migrate(B, A, K, 200.0))))
        .isEmpty();
    // a delete that failed leaves the stale copy
    assertThat(StaleCopies.holders(read(A, K, 100.0, B, K, 200.0, C, K, 150.0), Set.of(new StaleCopies.Copy(A, K)), List.of()))
        .containsExactly(C);
  }
}
