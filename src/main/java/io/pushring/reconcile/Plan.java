package io.pushring.reconcile;

import java.util.List;

/**
 * What one pass would do on a fleet, and why it leaves the rest: {@code onOwner} groups are only on
 * their owner; {@code waiting} groups have their newest copy off the owner but pushed less than the
 * quiet period ago (the client may still be pushing: a later pass decides); {@code skipped} groups
 * cannot be decided (their owner could not be read, or no copy was ever pushed successfully);
 * {@code ownerDeletes} are owner copies older than a copy elsewhere, deleted first.
 */
public record Plan(long ringVersion, int groupsScanned, int onOwner, int waiting, List<String> skipped,
    List<Action.Delete> deletes, List<Action.Migrate> migrations, List<Action.DeleteOnOwner> ownerDeletes) {
  public Plan {
    skipped = List.copyOf(skipped);
    deletes = List.copyOf(deletes);
    migrations = List.copyOf(migrations);
    ownerDeletes = List.copyOf(ownerDeletes);
  }

  /** A plan without stale owner copies. */
  public Plan(long ringVersion, int groupsScanned, int onOwner, int waiting, List<String> skipped,
      List<Action.Delete> deletes, List<Action.Migrate> migrations) {
    this(ringVersion, groupsScanned, onOwner, waiting, skipped, deletes, migrations, List.of());
  }

  public boolean isClean() {
    return deletes.isEmpty() && migrations.isEmpty() && ownerDeletes.isEmpty() && waiting == 0;
  }
}
