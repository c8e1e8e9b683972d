package io.pushring.reconcile;

import io.pushring.key.GroupingKey;
import io.pushring.ring.Member;

/** One step of a {@link Plan}. */
public sealed interface Action {
  GroupingKey key();

  /** Delete the stale copy on {@code member}: the owner holds a copy pushed at {@code ownerPushTime} >= {@code pushTime}. */
  record Delete(Member member, GroupingKey key, double pushTime, Member owner, double ownerPushTime) implements Action {}

  /**
   * Copy the group from {@code from}, where the newest copy lives (pushed at {@code pushTime}), to
   * its owner {@code to}; then, once verified there, delete it on {@code from}.
   */
  record Migrate(Member from, Member to, GroupingKey key, double pushTime) implements Action {}
}
