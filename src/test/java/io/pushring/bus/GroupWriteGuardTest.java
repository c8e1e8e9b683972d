package io.pushring.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GroupWriteGuardTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final GroupWriteGuard guard = GroupWriteGuard.inMemory(now::get);

  @Test
  void aClientWriteKeepsTheReconcilerOffItsGroupForTheHoldOnly() {
    assertThat(guard.clientWrite(7, 100)).isNotNull();
    assertThat(guard.tryReconcilerWrite(7)).as("held").isFalse();
    assertThat(guard.tryReconcilerWrite(8)).as("another group").isTrue();
    now.addAndGet(99);
    assertThat(guard.tryReconcilerWrite(7)).isFalse();
    now.addAndGet(1);
    assertThat(guard.tryReconcilerWrite(7)).as("hold over: the owner's re-read sees the client's value").isTrue();
  }

  @Test
  void aClientWriteWaitsWhileTheReconcilerWritesItsGroup() {
    assertThat(guard.tryReconcilerWrite(7)).isTrue();
    assertThat(guard.reconcilerHolds(7)).isTrue();
    assertThat(guard.clientWrite(7, 100)).as("must wait").isNull();
    now.addAndGet(1_000_000);
    assertThat(guard.clientWrite(7, 100)).as("the reconciler's mark does not expire").isNull();
    guard.reconcilerDone(7);
    assertThat(guard.clientWrite(7, 100)).isNotNull();
    assertThat(guard.reconcilerHolds(7)).isFalse();
  }

  @Test
  void aLandedWriteReleasesItsGroupAtOnceButNotALaterWritesMark() {
    GroupWriteGuard.Mark first = guard.clientWrite(7, 1_000);
    GroupWriteGuard.Mark second = guard.clientWrite(7, 1_000);
    guard.clientDone(7, first);
    assertThat(guard.tryReconcilerWrite(7)).as("the later write is still on its way").isFalse();
    guard.clientDone(7, second);
    assertThat(guard.tryReconcilerWrite(7)).isTrue();
    guard.clientDone(7, second);
    assertThat(guard.reconcilerHolds(7)).as("a client's release never removes the reconciler's mark").isTrue();
  }

  @Test
  void reconcilerDoneNeverRemovesAClientMark() {
    assertThat(guard.clientWrite(7, 100)).isNotNull();
    guard.reconcilerDone(7);
    assertThat(guard.tryReconcilerWrite(7)).isFalse();
  }

  @Test
  void sweepDropsExpiredClientMarksOnly() {
    guard.clientWrite(1, 10);
    guard.clientWrite(2, 1_000);
    guard.tryReconcilerWrite(3);
    now.addAndGet(50);
    assertThat(guard.sweep()).isEqualTo(2);
    assertThat(guard.tryReconcilerWrite(2)).isFalse();
    assertThat(guard.reconcilerHolds(3)).isTrue();
  }

  @Test
  void theVertxSharedGuardIsOneAcrossLookupsAndKeepsMarkIdentity() {
    Vertx vertx = Vertx.vertx();
    try {
      GroupWriteGuard routers = GroupWriteGuard.of(vertx);
      GroupWriteGuard reconciler = GroupWriteGuard.of(vertx);
      assertThat(reconciler.tryReconcilerWrite(42)).isTrue();
      assertThat(routers.reconcilerHolds(42)).isTrue();
      assertThat(routers.clientWrite(42, 1_000_000_000L)).isNull();
      reconciler.reconcilerDone(42);
      assertThat(routers.clientWrite(42, 1_000_000_000L)).isNotNull();
      assertThat(reconciler.tryReconcilerWrite(42)).isFalse();
    } finally {
      vertx.close().await();
    }
  }
}
