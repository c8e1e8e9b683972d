package io.pushring.reconcile;

import io.pushring.key.GroupingKey;
import java.util.Objects;

/**
 * What the planner needs of one group held by one Pushgateway, and nothing more (a few dozen bytes
 * per group, so a scan of 100,000 groups stays small): its key and its two push times, in Unix
 * seconds as the Pushgateway reports them ({@code push_time_seconds}: last successful change, 0 if
 * none; {@code push_failure_time_seconds}: last failed one, 0 if none).
 */
public record GroupSnapshot(GroupingKey key, double pushTime, double failureTime) {
  public GroupSnapshot {
    Objects.requireNonNull(key, "key");
  }
}
