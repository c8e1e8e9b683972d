package io.pushring.reconcile;

import io.pushring.bus.GroupWriteGuard;
import io.pushring.key.GroupingKey;
import io.pushring.ring.Placement;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.pushring.tap.ReconcileEvent;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One reconcile pass, blocking, on the caller's thread (the verticle's single worker): read every
 * member, {@link Planner#plan plan}, then carry the plan out, paced per member.
 *
 * <p>Race design, in the order of the steps of a migration (the planner already limits migrations
 * to groups nobody pushed for the quiet period):
 * <ol>
 *   <li>the source's families are read, and the migration is dropped if the source copy changed
 *       since the plan (its push time differs);
 *   <li>the owner is read again right before the PUT (once per migration), and the migration is
 *       dropped if the owner now holds a copy at least as new (a client pushed meanwhile: the next
 *       pass deletes the source);
 *   <li>the PUT, then the owner is read once more: the group must be there, at least as new;
 *   <li>the source is read again and its copy deleted only if still unchanged.
 * </ol>
 * The owner stamps the migrated copy with the PUT's time, later than the data's: a client's push to
 * the source (or another member) between step 1 and the PUT would then look older than the migrated
 * copy, and the next pass would delete it. So the stamp read in step 3 is remembered
 * ({@link MigratedCopies}) with the data's push time, and every later comparison (the plan, the
 * guard re-reads, {@link StaleCopies}) uses the data's time while the owner's copy carries that
 * stamp: the client's copy is then the newest, and the owner's migrated copy is deleted as stale.
 * Left: a client push to the owner itself between the PUT and step 3's read, together with one to
 * another member (the stamp read is then the client's), and a new leader, which starts with no memory.
 * Before every write the ring is compared with the current one: if it changed, the pass stops (the
 * plan was made for another owner) and the next one starts from fresh reads. The {@link WriteGate}
 * is asked too: an instance that lost the leadership stops at once. Step 2 and the PUT hold the
 * group in this instance's {@link GroupWriteGuard}: a client write of it that this instance's
 * routers are passing on makes the migration wait for the next pass, and one that arrives meanwhile
 * waits for the PUT (the Pushgateway has no conditional write: only the writers can keep out of
 * each other's way). What is left is a client write through ANOTHER instance that lands in the
 * instant between step 2 and the PUT (of the order of one request): it would be replaced by the
 * older copy until its next push.
 *
 * <p>Never the only copy: every delete is preceded by a read of the copy that must remain, since the
 * plan's reads are as old as the pass. A stale copy off its owner is deleted only if its owner,
 * read again before each batch of {@value #BATCH} deletes, still holds a copy at least as new; a
 * stale copy on its owner only if the newer copy the plan saw is still there, read right before;
 * a migrated group's source only once the owner was read holding it. Left: a copy to keep that
 * disappears between that read and the DELETE (one batch of requests at the write pace).
 *
 * <p>Every read is paced by its cost ({@link MemberPacer#timed}): the member's next request waits
 * four times the read's duration, but never between a guard read and the write it guards: the
 * owner's re-read is followed by its PUT at once, and the source's re-read after a batch is
 * charged only after the batch's deletes.
 *
 * <p>The source's families, and the verification reads after the PUTs, happen once per batch of
 * {@value #BATCH} migrations, because each read lists every group of a Pushgateway; the owner's
 * re-check before each PUT is per migration (see step 2).
 */
public final class Reconciler {
  static final int BATCH = 16;
  static final String CLIENT_WRITING = "a client's write of this group is on its way through this instance";

  /**
   * @param quietSeconds how long a copy must be untouched before it may be migrated
   * @param dryRun plan and report, write nothing
   * @param maxActions deletes and migrations started per pass at most ({@code reconcile.max-actions}):
   *     the plan is only as fresh as the reads it was made from, so a pass stops when it has done
   *     this many and the next one (started at once) plans again from fresh reads
   */
  public record Settings(double quietSeconds, boolean dryRun, int maxActions) {
    /** Without a cap that a test could reach. */
    public Settings(double quietSeconds, boolean dryRun) {
      this(quietSeconds, dryRun, Integer.MAX_VALUE);
    }
  }

  /**
   * Asked before every write, after the ring check: null to go ahead, else why this instance may not
   * write any more (leadership lost), which stops the pass at once.
   */
  @FunctionalInterface
  public interface WriteGate {
    WriteGate OPEN = () -> null;

    String refusal();
  }

  private final PushgatewayClient client;
  private final Settings settings;
  private final Clock clock;
  private final MemberPacer pacer;
  private final Supplier<Ring> currentRing;
  private final WriteGate gate;
  private final GroupWriteGuard guard;
  private final ReconcileEvents events;
  /** Migrated copies' PUT stamps and their data's push times, kept from pass to pass. */
  private final MigratedCopies migratedCopies = new MigratedCopies();

  public Reconciler(PushgatewayClient client, Settings settings, Clock clock, double writesPerSecondPerMember,
      Supplier<Ring> currentRing) {
    this(client, settings, clock, writesPerSecondPerMember, currentRing, WriteGate.OPEN);
  }

  public Reconciler(PushgatewayClient client, Settings settings, Clock clock, double writesPerSecondPerMember,
      Supplier<Ring> currentRing, WriteGate gate) {
    this(client, settings, clock, writesPerSecondPerMember, currentRing, gate, ReconcileEvents.NONE);
  }

  /** @param events where each action, and each pass's summary, is reported as it happens (the tap) */
  public Reconciler(PushgatewayClient client, Settings settings, Clock clock, double writesPerSecondPerMember,
      Supplier<Ring> currentRing, WriteGate gate, ReconcileEvents events) {
    this(client, settings, clock, writesPerSecondPerMember, currentRing, gate, events,
        GroupWriteGuard.inMemory(System::nanoTime));
  }

  /** @param guard this instance's guard, shared with its routers ({@link GroupWriteGuard#of}) */
  public Reconciler(PushgatewayClient client, Settings settings, Clock clock, double writesPerSecondPerMember,
      Supplier<Ring> currentRing, WriteGate gate, ReconcileEvents events, GroupWriteGuard guard) {
    this(client, settings, clock, MemberPacer.realTime(writesPerSecondPerMember), currentRing, gate, events, guard);
  }

  Reconciler(PushgatewayClient client, Settings settings, Clock clock, MemberPacer pacer, Supplier<Ring> currentRing) {
    this(client, settings, clock, pacer, currentRing, WriteGate.OPEN);
  }

  Reconciler(PushgatewayClient client, Settings settings, Clock clock, MemberPacer pacer, Supplier<Ring> currentRing,
      WriteGate gate) {
    this(client, settings, clock, pacer, currentRing, gate, ReconcileEvents.NONE);
  }

  Reconciler(PushgatewayClient client, Settings settings, Clock clock, MemberPacer pacer, Supplier<Ring> currentRing,
      WriteGate gate, ReconcileEvents events) {
    this(client, settings, clock, pacer, currentRing, gate, events, GroupWriteGuard.inMemory(System::nanoTime));
  }

  Reconciler(PushgatewayClient client, Settings settings, Clock clock, MemberPacer pacer, Supplier<Ring> currentRing,
      WriteGate gate, ReconcileEvents events, GroupWriteGuard guard) {
    this.guard = guard;
    this.client = client;
    this.settings = settings;
    this.clock = clock;
    this.pacer = pacer;
    this.currentRing = currentRing;
    this.gate = gate;
    this.events = events;
  }

  /** The ring changed, or this instance may no longer write: stop the pass, with why. */
  private static final class PassStopped extends Exception {
    private static final long serialVersionUID = 1L;

    PassStopped(String reason) {
      super(reason, null, false, false);
    }
  }

  /** Mutable tallies of one pass (worker thread only). */
  private static final class Tally {
    int deleted;
    int migrated;
    int skipped;
    /** Deletes and migrations started (a migration counts once, its PUT and the source's DELETE together). */
    int actions;
    boolean capped;
    final List<String> errors = new ArrayList<>();
    int moreErrors;
    /** What was carried out, for {@link StaleCopies}: copies deleted, migrations verified. */
    final Set<StaleCopies.Copy> removed = new java.util.HashSet<>();
    final List<Action.Migrate> migratedActions = new ArrayList<>();

    void error(String e) {
      if (errors.size() < PassReport.MAX_ERRORS) errors.add(e);
      else moreErrors++;
    }
  }

  /**
   * @param departed members that left the ring but may still hold groups (read too; their copies are
   *     all off their owners)
   */
  public PassReport pass(Ring ring, Collection<Member> departed) throws InterruptedException {
    return pass(ring, departed, m -> true);
  }

  /**
   * @param scraped the members Prometheus scrapes now (admitted): an owner's stale copy is deleted
   *     at once only there ({@link Planner})
   */
  public PassReport pass(Ring ring, Collection<Member> departed, java.util.function.Predicate<Member> scraped)
      throws InterruptedException {
    long started = clock.millis();
    Set<Member> toRead = new LinkedHashSet<>(ring.members());
    toRead.addAll(departed);
    Map<Member, MemberGroups> snapshots = new HashMap<>();
    List<String> unreadable = new ArrayList<>();
    for (Member m : toRead) {
      try {
        snapshots.put(m, pacer.paced(m, () -> client.groups(m)));
      } catch (IOException e) {
        unreadable.add(m.id() + ": " + e.getMessage());
        emit(ring, "read", "error", null, m, null, Double.NaN, Double.NaN, e.getMessage());
      }
    }
    // Push times as the planner must compare them: a migrated copy's is its data's, not its PUT's.
    Map<Member, MemberGroups> seen = migratedCopies.apply(snapshots, snapshots.keySet().containsAll(ring.members()));
    Plan plan = Planner.plan(ring, seen, clock.millis() / 1000.0, settings.quietSeconds(), scraped);
    Tally tally = new Tally();
    String aborted = "";
    if (settings.dryRun()) {
      planned(ring, plan);
    } else {
      try {
        ownerDeletes(ring, plan, tally);
        deletes(ring, plan, tally);
        migrations(ring, plan, tally);
      } catch (PassStopped e) {
        aborted = e.getMessage();
      }
    }
    List<String> errors = new ArrayList<>(tally.errors);
    if (tally.moreErrors > 0) errors.add("... and " + tally.moreErrors + " more errors");
    Map<Member, Integer> groupsPerMember = new HashMap<>();
    snapshots.forEach((m, g) -> groupsPerMember.put(m, g.groups().size() + g.unnamed().size()));
    PassReport report = new PassReport(ring.version(), started, clock.millis() - started, settings.dryRun(),
        snapshots.size(), groupsPerMember, unreadable, plan, tally.deleted, tally.migrated, tally.skipped, errors,
        aborted, tally.capped, clean(ring, seen, plan, tally, aborted));
    if (events.wanted()) events.publish(summary(report));
    return report;
  }

  /** Dry run: the plan's actions as {@code planned}, as many as a pass would carry out. */
  private void planned(Ring ring, Plan plan) {
    if (!events.wanted()) return;
    int left = settings.maxActions();
    for (Action.DeleteOnOwner d : plan.ownerDeletes()) {
      if (left-- <= 0) return;
      emit(ring, "delete-owner", "planned", d.key(), d.owner(), d.newerOn(), d.pushTime(), d.newerPushTime(), null);
    }
    for (Action.Delete d : plan.deletes()) {
      if (left-- <= 0) return;
      emit(ring, "delete", "planned", d.key(), d.member(), d.owner(), d.pushTime(), d.ownerPushTime(), null);
    }
    for (Action.Migrate m : plan.migrations()) {
      if (left-- <= 0) return;
      emit(ring, "migrate", "planned", m.key(), m.from(), m.to(), m.pushTime(), Double.NaN, null);
    }
  }

  private ReconcileEvent summary(PassReport r) {
    Plan p = r.plan();
    Map<String, Object> figures = new HashMap<>();
    figures.put("startedAt", java.time.Instant.ofEpochMilli(r.startedAtMillis()).toString());
    figures.put("durationMillis", r.durationMillis());
    figures.put("membersRead", r.membersRead());
    figures.put("unreadable", r.unreadable().size());
    figures.put("groupsScanned", p.groupsScanned());
    figures.put("onOwner", p.onOwner());
    figures.put("waiting", p.waiting());
    figures.put("plannedDeletes", p.deletes().size() + p.ownerDeletes().size());
    figures.put("plannedMigrations", p.migrations().size());
    figures.put("deleted", r.deleted());
    figures.put("migrated", r.migrated());
    figures.put("skipped", r.migrationsSkipped());
    figures.put("errors", r.errors().size());
    figures.put("dryRun", r.dryRun());
    String result = r.dryRun() ? "dry-run" : !r.aborted().isEmpty() ? "aborted" : r.capped() ? "capped" : "done";
    return new ReconcileEvent(clock.millis(), r.ringVersion(), "pass", result, null, null, null, null, null,
        Double.NaN, Double.NaN, r.aborted().isEmpty() ? null : r.aborted(), figures);
  }

  /** One action to the tap, built only while someone listens. */
  private void emit(Ring ring, String action, String result, GroupingKey key, Member from, Member to, double pushTime,
      double toPushTime, String reason) {
    if (!events.wanted()) return;
    events.publish(new ReconcileEvent(clock.millis(), ring.version(), action, result, key,
        from == null ? null : from.id(), from == null ? null : from.address(), to == null ? null : to.id(),
        to == null ? null : to.address(), pushTime, toPushTime, reason, null));
  }

  /**
   * Ring members that hold no copy older than another member's copy once the pass's actions are
   * applied (a dry run: once the plan would be), for {@link Admission}. None when the pass stopped
   * early or could not read every ring member (a newer copy may sit on the one it could not read).
   */
  private Set<Member> clean(Ring ring, Map<Member, MemberGroups> read, Plan plan, Tally tally, String aborted) {
    if (!aborted.isEmpty() || !read.keySet().containsAll(ring.members())) return Set.of();
    Set<Member> stale = settings.dryRun() ? StaleCopies.holdersIfCarriedOut(read, plan)
        : StaleCopies.holders(read, tally.removed, tally.migratedActions);
    Set<Member> clean = new LinkedHashSet<>(ring.members());
    clean.removeAll(stale);
    return clean;
  }

  /**
   * Stale copies off their owners. The plan saw the owner holding a copy at least as new, but that
   * read is as old as the pass: before each batch of {@value #BATCH} deletes the owners are read
   * again, and a copy is deleted only if its owner still holds one at least as new (never the only
   * copy, whatever removed the owner's meanwhile).
   */
  private void deletes(Ring ring, Plan plan, Tally tally) throws InterruptedException, PassStopped {
    List<Action.Delete> all = plan.deletes();
    for (int i = 0; i < all.size(); i += BATCH) {
      List<Action.Delete> batch = all.subList(i, Math.min(all.size(), i + BATCH));
      Map<Member, Map<GroupingKey, Double>> keepers;
      try {
        keepers = pushTimes(batch.stream().map(Action.Delete::owner).distinct().toList());
      } catch (IOException e) {
        tally.error("read the owners before " + batch.size() + " deletes: " + e.getMessage());
        for (Action.Delete d : batch) {
          emit(ring, "delete", "error", d.key(), d.member(), d.owner(), d.pushTime(), d.ownerPushTime(), e.getMessage());
        }
        continue;
      }
      for (Action.Delete d : batch) {
        if (!startAction(tally)) return;
        Double stamp = keepers.get(d.owner()).get(d.key());
        Double kept = stamp == null ? null : migratedCopies.effective(d.owner(), d.key(), stamp); // as the plan compared
        if (kept == null || kept < d.pushTime()) {
          tally.skipped++; // the copy to keep is gone (or older): this one may be the only one left
          emit(ring, "delete", "skipped", d.key(), d.member(), d.owner(), d.pushTime(), d.ownerPushTime(),
              "the owner no longer holds a copy at least as new");
          continue;
        }
        write(ring, d.member());
        try {
          client.delete(d.member(), d.key());
          tally.deleted++;
          tally.removed.add(new StaleCopies.Copy(d.member(), d.key()));
          emit(ring, "delete", "done", d.key(), d.member(), d.owner(), d.pushTime(), d.ownerPushTime(), null);
        } catch (IOException e) {
          tally.error("delete " + d.key().printable() + " on " + d.member().id() + ": " + e.getMessage());
          emit(ring, "delete", "error", d.key(), d.member(), d.owner(), d.pushTime(), d.ownerPushTime(), e.getMessage());
        }
      }
    }
  }

  /**
   * Stale copies on their owner. The owner is where clients push, so it is read again right before
   * each delete (after the pacing wait) and its copy deleted only if it is still the one the plan saw:
   * a client that pushed meanwhile made it the newest copy. Left: a push landing between that read and
   * the DELETE (one request), the same window a migration has.
   */
  private void ownerDeletes(Ring ring, Plan plan, Tally tally) throws InterruptedException, PassStopped {
    for (Action.DeleteOnOwner d : plan.ownerDeletes()) {
      if (!startAction(tally)) return;
      try {
        // The newer copy the plan saw must still be there: else the owner's may be the only one left.
        Double newer = pacedPushTime(d.newerOn(), d.key());
        if (newer == null || newer < d.newerPushTime()) {
          tally.skipped++;
          emit(ring, "delete-owner", "skipped", d.key(), d.owner(), d.newerOn(), d.pushTime(), d.newerPushTime(),
              "the newer copy is gone from " + d.newerOn().id());
          continue;
        }
      } catch (IOException e) {
        tally.error("read " + d.newerOn().id() + " before deleting " + d.key().printable() + " on its owner: " + e.getMessage());
        emit(ring, "delete-owner", "error", d.key(), d.owner(), d.newerOn(), d.pushTime(), d.newerPushTime(), e.getMessage());
        continue;
      }
      write(ring, d.owner());
      long guardKey = Placement.GROUPING_KEY.hash(d.key());
      if (!guard.tryReconcilerWrite(guardKey)) {   // see migrateBatch: the same read-then-write on the owner
        tally.skipped++;
        emit(ring, "delete-owner", "skipped", d.key(), d.owner(), d.newerOn(), d.pushTime(), d.newerPushTime(), CLIENT_WRITING);
        continue;
      }
      try {
        Double now = ownerPushTime(d.owner(), d.key()); // right after write(): no wait between it and the DELETE
        if (now == null || now != d.pushTime()) {
          tally.skipped++; // pushed (or deleted) since the plan: the next pass decides from fresh reads
          emit(ring, "delete-owner", "skipped", d.key(), d.owner(), d.newerOn(), d.pushTime(), d.newerPushTime(),
              "the owner's copy changed since the plan");
          continue;
        }
        client.delete(d.owner(), d.key());
        tally.deleted++;
        tally.removed.add(new StaleCopies.Copy(d.owner(), d.key()));
        emit(ring, "delete-owner", "done", d.key(), d.owner(), d.newerOn(), d.pushTime(), d.newerPushTime(), null);
      } catch (IOException e) {
        tally.error("delete stale " + d.key().printable() + " on its owner " + d.owner().id() + ": " + e.getMessage());
        emit(ring, "delete-owner", "error", d.key(), d.owner(), d.newerOn(), d.pushTime(), d.newerPushTime(), e.getMessage());
      } finally {
        guard.reconcilerDone(guardKey);
      }
    }
  }

  private void migrations(Ring ring, Plan plan, Tally tally) throws InterruptedException, PassStopped {
    Map<Member, List<Action.Migrate>> bySource = new LinkedHashMap<>();
    for (Action.Migrate m : plan.migrations()) bySource.computeIfAbsent(m.from(), x -> new ArrayList<>()).add(m);
    for (Map.Entry<Member, List<Action.Migrate>> e : bySource.entrySet()) {
      List<Action.Migrate> all = e.getValue();
      for (int i = 0; i < all.size() && !tally.capped; i += BATCH) {
        migrateBatch(ring, e.getKey(), all.subList(i, Math.min(all.size(), i + BATCH)), tally);
      }
    }
  }

  private void migrateBatch(Ring ring, Member source, List<Action.Migrate> batch, Tally tally)
      throws InterruptedException, PassStopped {
    Set<GroupingKey> keys = new LinkedHashSet<>();
    for (Action.Migrate m : batch) keys.add(m.key());
    Map<GroupingKey, GroupFamilies> families;
    try {
      families = pacer.paced(source, () -> client.families(source, keys));
    } catch (IOException ex) {
      tally.error("migrate " + batch.size() + " groups from " + source.id() + ": " + ex.getMessage());
      for (Action.Migrate m : batch) migrateEvent(ring, m, "error", ex.getMessage());
      return;
    }
    List<Action.Migrate> pushed = new ArrayList<>();
    for (Action.Migrate m : batch) {
      GroupFamilies src = families.get(m.key());
      if (src == null || migratedCopies.effective(source, m.key(), src.pushTime()) != m.pushTime()) {
        tally.skipped++; // changed since the plan: the next pass decides from fresh reads
        migrateEvent(ring, m, "skipped", "the source's copy changed since the plan");
        continue;
      }
      if (!startAction(tally)) break; // the PUTs done so far are still verified and their sources deleted
      String body;
      try {
        body = Exposition.render(src);
      } catch (IllegalArgumentException ex) {
        tally.error("migrate " + m.key().printable() + ": " + ex.getMessage());
        migrateEvent(ring, m, "error", ex.getMessage());
        continue;
      }
      write(ring, m.to());
      // No client write of the group through this instance between the owner's re-read and the PUT
      // (GroupWriteGuard): one that is on its way makes the migration wait for the next pass; one
      // that comes meanwhile waits for the PUT, and lands after it.
      long guardKey = Placement.GROUPING_KEY.hash(m.key());
      if (!guard.tryReconcilerWrite(guardKey)) {
        tally.skipped++; // a client is writing it: the owner soon holds the newest copy
        migrateEvent(ring, m, "skipped", CLIENT_WRITING);
        continue;
      }
      // The owner is read again for every migration, immediately before its PUT: the later this
      // read, the shorter the window in which a client's push through another instance could be
      // overwritten. Costly on a Pushgateway with many groups, but migrations are rare (only quiet
      // groups) and paced anyway.
      try {
        Double ownerTime = ownerPushTime(m.to(), m.key()); // right after write(): no wait between it and the PUT
        if (ownerTime != null && ownerTime >= m.pushTime()) {
          tally.skipped++; // a client pushed to the owner meanwhile: the next pass deletes the source
          migrateEvent(ring, m, "skipped", "the owner now holds a copy at least as new");
          continue;
        }
        client.put(m.to(), m.key(), body);
        pushed.add(m);
      } catch (IOException ex) {
        tally.error("migrate " + m.key().printable() + " to " + m.to().id() + ": " + ex.getMessage());
        migrateEvent(ring, m, "error", ex.getMessage());
      } finally {
        guard.reconcilerDone(guardKey);
      }
    }
    if (pushed.isEmpty()) return;
    Map<Member, Map<GroupingKey, Double>> after;
    Map<GroupingKey, Double> sourceAfter = new HashMap<>();
    long sourceReadNanos;
    try {
      after = pushTimes(owners(pushed));
      // The source's re-read guards the deletes below: its cost is charged after them, so that the
      // deletes follow it at the write pace, as closely as before reads were paced.
      pacer.acquire(source);
      MemberPacer.Measured<MemberGroups> read = pacer.measured(() -> client.groups(source));
      for (GroupSnapshot g : read.value().groups()) sourceAfter.put(g.key(), g.pushTime());
      sourceReadNanos = read.nanos();
    } catch (IOException ex) {
      tally.error("verify " + pushed.size() + " migrations from " + source.id() + ": " + ex.getMessage());
      for (Action.Migrate m : pushed) migrateEvent(ring, m, "error", "verify: " + ex.getMessage());
      return;
    }
    for (Action.Migrate m : pushed) {
      Double ownerTime = after.get(m.to()).get(m.key());
      if (ownerTime == null || ownerTime < m.pushTime()) {
        tally.error("migrate " + m.key().printable() + ": not on " + m.to().id() + " after the push");
        migrateEvent(ring, m, "error", "not on " + m.to().id() + " after the push");
        continue;
      }
      // The owner stamped the copy with the PUT's time: remember that its data is older, so that a
      // client's push to the source (or to any other member) since the source was read is seen as
      // newer by the next pass, and migrated or kept rather than deleted.
      migratedCopies.record(m.to(), m.key(), ownerTime, m.pushTime());
      Double sourceTime = sourceAfter.get(m.key());
      if (sourceTime != null && migratedCopies.effective(source, m.key(), sourceTime) != m.pushTime()) {
        tally.skipped++; // pushed to the source meanwhile: keep it, the next pass compares again
        migrateEvent(ring, m, "skipped", "pushed to the source meanwhile (copied, not deleted there)");
        continue;
      }
      if (sourceTime != null) {
        write(ring, source);
        try {
          client.delete(source, m.key());
        } catch (IOException ex) {
          tally.error("delete migrated " + m.key().printable() + " on " + source.id() + ": " + ex.getMessage());
          migrateEvent(ring, m, "error", "copied, but the source's copy not deleted: " + ex.getMessage());
          continue;
        }
      }
      tally.migrated++;
      tally.migratedActions.add(m);
      tally.removed.add(new StaleCopies.Copy(source, m.key()));
      migrateEvent(ring, m, "done", null);
    }
    pacer.charge(source, sourceReadNanos);
  }

  private void migrateEvent(Ring ring, Action.Migrate m, String result, String reason) {
    emit(ring, "migrate", result, m.key(), m.from(), m.to(), m.pushTime(), Double.NaN, reason);
  }

  private static List<Member> owners(List<Action.Migrate> migrations) {
    return migrations.stream().map(Action.Migrate::to).distinct().toList();
  }

  /**
   * The push time of {@code key} on {@code owner} (null: none), read now, as the planner compares it
   * (a migrated copy's is its data's); its cost delays the owner's next request.
   */
  private Double ownerPushTime(Member owner, GroupingKey key) throws IOException {
    for (GroupSnapshot g : pacer.timed(owner, () -> client.groups(owner)).groups()) {
      if (g.key().equals(key)) return migratedCopies.effective(owner, key, g.pushTime());
    }
    return null;
  }

  /** The push time of {@code key}'s data on {@code member} (null: none), a paced read. */
  private Double pacedPushTime(Member member, GroupingKey key) throws IOException, InterruptedException {
    for (GroupSnapshot g : pacer.paced(member, () -> client.groups(member)).groups()) {
      if (g.key().equals(key)) return migratedCopies.effective(member, key, g.pushTime());
    }
    return null;
  }

  /** Paced reads of {@code members}, for the verification after a batch and the owners before deletes. */
  private Map<Member, Map<GroupingKey, Double>> pushTimes(List<Member> members) throws IOException, InterruptedException {
    Map<Member, Map<GroupingKey, Double>> out = new HashMap<>();
    for (Member m : members) {
      Map<GroupingKey, Double> times = new HashMap<>();
      for (GroupSnapshot g : pacer.paced(m, () -> client.groups(m)).groups()) times.put(g.key(), g.pushTime());
      out.put(m, times);
    }
    return out;
  }

  /** Counts one more delete or migration: false (and the pass capped) once {@code maxActions} were started. */
  private boolean startAction(Tally tally) {
    if (tally.actions >= settings.maxActions()) {
      tally.capped = true;
      return false;
    }
    tally.actions++;
    return true;
  }

  /**
   * Before any write: the member's pacing, then the plan's ring must still be current and the gate
   * (leadership) open.
   */
  private void write(Ring ring, Member member) throws InterruptedException, PassStopped {
    pacer.acquire(member); // first: the ring and the gate are checked as late as possible
    Ring now = currentRing.get();
    if (now == null || (now != ring && !(now.version() == ring.version() && now.sameMembers(ring)))) {
      throw new PassStopped("the ring changed during the pass");
    }
    String refusal = gate.refusal();
    if (refusal != null) throw new PassStopped(refusal);
  }
}
