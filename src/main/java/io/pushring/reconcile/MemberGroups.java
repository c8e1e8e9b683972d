package io.pushring.reconcile;

import java.util.List;
import java.util.Objects;

/**
 * One read of a Pushgateway's {@code GET /api/v1/metrics}: the groups it holds, and the groups it
 * holds but that cannot be named (so can be neither moved nor deleted; the planner leaves them
 * alone and reports them). A group cannot be named when a metric family of it is called
 * {@code labels}: the API writes families and the group's labels into one JSON object, so that
 * family replaces the labels.
 */
public record MemberGroups(List<GroupSnapshot> groups, List<String> unnamed) {
  public MemberGroups {
    groups = List.copyOf(Objects.requireNonNull(groups, "groups"));
    unnamed = List.copyOf(Objects.requireNonNull(unnamed, "unnamed"));
  }
}
