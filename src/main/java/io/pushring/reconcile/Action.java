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

  /**
   * Delete the owner's own copy, pushed at {@code pushTime}: it is stale, {@code newerOn} holds one
   * pushed at {@code newerPushTime} > {@code pushTime}. Never the only copy; the executor re-reads the
   * owner first and deletes only if the owner's copy is still the one planned on (a client may push
   * to the owner at any time).
   */
  record DeleteOnOwner(Member owner, GroupingKey key, double pushTime, Member newerOn, double newerPushTime)
      implements Action {}
}
