package io.pushring.reconcile;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.pushring.ring.Member;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one pass found and did. {@code plan} is what it decided on (in dry-run mode: all it did);
 * the counts are what was carried out. {@code aborted} names why the pass stopped early (the ring
 * changed under it), else empty. {@code capped}: the pass stopped after {@code reconcile.max-actions}
 * deletes and migrations, the rest is left to the next pass. {@code groupsPerMember}: groups each
 * member that was read held at the start of the pass. {@code migrationsSkipped}: migrations and
 * stale-owner deletes dropped because the copy changed since the plan (a client pushed; the next
 * pass decides). {@code clean}: ring members holding no copy older than another member's copy after
 * the pass (in a dry run: had the plan been carried out); empty when the pass stopped early or could
 * not read a ring member.
 */
public record PassReport(long ringVersion, long startedAtMillis, long durationMillis, boolean dryRun,
    int membersRead, Map<Member, Integer> groupsPerMember, List<String> unreadable, Plan plan, int deleted, int migrated, int migrationsSkipped,
    List<String> errors, String aborted, boolean capped, Set<Member> clean) {
  public PassReport {
    groupsPerMember = Map.copyOf(groupsPerMember);
    unreadable = List.copyOf(unreadable);
    errors = List.copyOf(errors);
    clean = Set.copyOf(clean);
  }

  /** A report that judges no member clean (see {@code clean}). */
  public PassReport(long ringVersion, long startedAtMillis, long durationMillis, boolean dryRun, int membersRead,
      Map<Member, Integer> groupsPerMember, List<String> unreadable, Plan plan, int deleted, int migrated,
      int migrationsSkipped, List<String> errors, String aborted, boolean capped) {
    this(ringVersion, startedAtMillis, durationMillis, dryRun, membersRead, groupsPerMember, unreadable, plan, deleted,
        migrated, migrationsSkipped, errors, aborted, capped, Set.of());
  }

  /** Errors kept in a report; more are counted, not listed. */
  static final int MAX_ERRORS = 50;

  public JsonObject toJson() {
    JsonArray deletes = new JsonArray();
    plan.deletes().stream().limit(100).forEach(d -> deletes.add(new JsonObject().put("group", d.key().printable())
        .put("member", d.member().id()).put("pushTime", d.pushTime()).put("owner", d.owner().id())
        .put("ownerPushTime", d.ownerPushTime())));
    JsonArray ownerDeletes = new JsonArray();
    plan.ownerDeletes().stream().limit(100).forEach(d -> ownerDeletes.add(new JsonObject().put("group", d.key().printable())
        .put("owner", d.owner().id()).put("pushTime", d.pushTime()).put("newerOn", d.newerOn().id())
        .put("newerPushTime", d.newerPushTime())));
    JsonArray migrations = new JsonArray();
    plan.migrations().stream().limit(100).forEach(m -> migrations.add(new JsonObject().put("group", m.key().printable())
        .put("from", m.from().id()).put("to", m.to().id()).put("pushTime", m.pushTime())));
    return new JsonObject()
        .put("ringVersion", ringVersion).put("startedAtMillis", startedAtMillis).put("durationMillis", durationMillis)
        .put("dryRun", dryRun).put("membersRead", membersRead)
        .put("groupsPerMember", new JsonObject(new java.util.TreeMap<String, Object>(groupsPerMember.entrySet().stream()
            .collect(java.util.stream.Collectors.toMap(e -> e.getKey().id(), e -> (Object) e.getValue()))))).put("unreadable", new JsonArray(unreadable))
        .put("groupsScanned", plan.groupsScanned()).put("onOwner", plan.onOwner()).put("waiting", plan.waiting())
        .put("skipped", new JsonArray(plan.skipped().stream().limit(100).toList()))
        .put("plannedDeletes", plan.deletes().size()).put("plannedOwnerDeletes", plan.ownerDeletes().size()).put("plannedMigrations", plan.migrations().size())
        .put("deletes", deletes).put("ownerDeletes", ownerDeletes).put("migrations", migrations)
        .put("deleted", deleted).put("migrated", migrated).put("migrationsSkipped", migrationsSkipped)
        .put("errors", new JsonArray(errors)).put("aborted", aborted).put("capped", capped)
        .put("clean", new JsonArray(clean.stream().map(Member::id).sorted().toList()));
  }
}
