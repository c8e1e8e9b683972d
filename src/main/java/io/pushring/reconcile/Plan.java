package io.pushring.reconcile;

import java.util.List;

/**
 * What one pass would do on a fleet, and why it leaves the rest: {@code onOwner} groups are only on
 * their owner; {@code waiting} groups have their newest copy off the owner but pushed less than the
 * quiet period ago (the client may still be pushing: a later pass decides); {@code skipped} groups
 * cannot be decided (their owner could not be read, or no copy was ever pushed successfully).
 */
public record Plan(long ringVersion, int groupsScanned, int onOwner, int waiting, List<String> skipped,
    List<Action.Delete> deletes, List<Action.Migrate> migrations) {
  public Plan {
    skipped = List.copyOf(skipped);
    deletes = List.copyOf(deletes);
    migrations = List.copyOf(migrations);
  }

  public boolean isClean() {
    return deletes.isEmpty() && migrations.isEmpty() && waiting == 0;
  }
}
