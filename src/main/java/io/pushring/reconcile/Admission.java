package io.pushring.reconcile;

import io.pushring.bus.AdmittedSet;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which ring members Prometheus may scrape, as the reconciler decides it. Immutable and pure: the
 * verticle feeds it ring changes and finished passes.
 *
 * <p>A member goes <em>joined</em> (in the ring, not scraped) → <em>admitted</em> (scraped) once a
 * completed, non-dry-run pass that started after it joined read it and found it holding no copy
 * older than another member's copy of the same group, after that pass's actions ({@link
 * StaleCopies}). A member leaves the ring → it loses its admission at once; back in the ring, it
 * is joined again and must be admitted again (a Pushgateway back with its persistence file holds
 * the copies it had when it left, stale if someone pushed meanwhile). Admission is kept while the
 * member stays in the ring: an admitted member found holding a stale copy later (a copy a client
 * just pushed elsewhere made old) is cleaned by the pass, not unscraped with every other group it
 * serves.
 *
 * <p>Each ring change is an epoch; a pass carries the epoch it started in, so a member that left
 * and came back during a pass (read by it, maybe, but not watched since) is not admitted by it.
 */
public final class Admission {
  private final long epoch;
  /** Ring members: member → epoch it (re)joined in. */
  private final Map<Member, Long> joined;
  /** Admitted members → admitted since (epoch millis); a subset of {@code joined}'s keys. */
  private final Map<Member, Long> admitted;

  private Admission(long epoch, Map<Member, Long> joined, Map<Member, Long> admitted) {
    this.epoch = epoch;
    this.joined = Map.copyOf(joined);
    this.admitted = Map.copyOf(admitted);
  }

  /** Nothing known yet: no ring, nobody admitted. */
  public static Admission none() {
    return new Admission(0, Map.of(), Map.of());
  }

  public long epoch() {
    return epoch;
  }

  /** A new ring: members that left lose admission, members that (re)joined start as joined. */
  public Admission onRing(Ring ring) {
    long next = epoch + 1;
    Map<Member, Long> j = new HashMap<>();
    Map<Member, Long> a = new HashMap<>();
    for (Member m : ring.members()) {
      Long since = joined.get(m);
      j.put(m, since != null ? since : next);
      Long admittedSince = admitted.get(m);
      if (admittedSince != null) a.put(m, admittedSince);
    }
    return new Admission(next, j, a);
  }

  /**
   * A completed, non-dry-run pass that started in epoch {@code passEpoch}: admits the members of
   * {@code clean} that joined no later than that epoch and are still in the ring.
   */
  public Admission afterPass(long passEpoch, Set<Member> clean, long nowMillis) {
    Map<Member, Long> a = new HashMap<>(admitted);
    for (Member m : clean) {
      Long since = joined.get(m);
      if (since != null && since <= passEpoch) a.putIfAbsent(m, nowMillis);
    }
    return new Admission(epoch, joined, a);
  }

  /**
   * Continuity across a restart or a handover of the reconciler: members the previous publication
   * admitted, with the same id and address and in the ring now, stay admitted (with their time).
   * Only what this instance's readers still list ({@link AdmittedSet#inRing}) should be passed in.
   */
  public Admission seededFrom(Collection<AdmittedSet.Admitted> previous) {
    Map<Member, Long> a = new HashMap<>(admitted);
    for (AdmittedSet.Admitted p : previous) if (joined.containsKey(p.member())) a.putIfAbsent(p.member(), p.sinceMillis());
    return new Admission(epoch, joined, a);
  }

  public boolean isAdmitted(Member m) {
    return admitted.containsKey(m);
  }

  /** The admitted members and since when. */
  public List<AdmittedSet.Admitted> admitted() {
    List<AdmittedSet.Admitted> out = new ArrayList<>();
    admitted.forEach((m, since) -> out.add(new AdmittedSet.Admitted(m, since)));
    return out;
  }

  /** Ring members not admitted yet. */
  public List<Member> waiting() {
    List<Member> out = new ArrayList<>();
    for (Member m : joined.keySet()) if (!admitted.containsKey(m)) out.add(m);
    out.sort(null);
    return out;
  }

  /**
   * Every ring member, admitted or not: what a dry-run reconciler publishes (it changes nothing, so it
   * must not hide anything either); members not admitted get {@code nowMillis}.
   */
  public List<AdmittedSet.Admitted> everyMember(long nowMillis) {
    List<AdmittedSet.Admitted> out = new ArrayList<>();
    for (Member m : joined.keySet()) out.add(new AdmittedSet.Admitted(m, admitted.getOrDefault(m, nowMillis)));
    return out;
  }
}
