package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushring.consul.LeaderLock.Change;
import io.pushring.consul.LeaderLock.Decision;
import io.pushring.consul.LeaderLock.Step;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The election's state machine and the KV answer it reads, without Consul: every event with its time. */
class LeaderLockTest {
  private static final long S = 1_000_000_000L;
  private static final String KEY = "pushring/pgw/reconcile-leader";
  private static final String ME = "{\"host\":\"a\",\"pid\":1,\"httpPort\":9292}";
  private static final String OTHER = "{\"host\":\"b\",\"pid\":2,\"httpPort\":9292}";
  private static final LeaderLock.Settings SETTINGS =
      new LeaderLock.Settings(KEY, Duration.ofSeconds(10), Duration.ofSeconds(5), ME);

  private final LeaderLock lock = new LeaderLock(SETTINGS);

  /** Session "s1" created at t=0 (sent at 0), key read free at index 5, acquired at t=0.1 s. */
  private long lead() {
    assertThat(lock.keyRead(new LockEntry(5, "", ""), 0).step()).isEqualTo(Step.CREATE_SESSION);
    lock.sessionCreated("s1", 0);
    Change gained = lock.acquired("s1", true, S / 10);
    assertThat(gained).isEqualTo(new Change(true, "holds " + KEY + " with session s1"));
    assertThat(lock.leadership().leader(S / 10)).isTrue();
    assertThat(lock.leadership().holder()).isEqualTo(ME);
    return S / 10;
  }

  @Test
  void settingsFollowTheTtlAndLockDelay() {
    assertThat(SETTINGS.renewEveryMillis()).isEqualTo(5_000);
    assertThat(SETTINGS.renewRetryMillis()).isEqualTo(1_000);
    assertThat(SETTINGS.requestTimeoutMillis()).isEqualTo(2_500);
    assertThat(SETTINGS.acquireRetryMillis()).isEqualTo(1_000);
    LeaderLock.Settings fast = new LeaderLock.Settings(KEY, Duration.ofSeconds(2), Duration.ofSeconds(1), ME);
    assertThat(fast.renewEveryMillis()).isEqualTo(1_000);
    assertThat(fast.requestTimeoutMillis()).as("never below 500 ms").isEqualTo(500);
    assertThat(fast.acquireRetryMillis()).isEqualTo(250);
    assertThat(SETTINGS.sessionBody("pushring x")).isEqualTo(new JsonObject()
        .put("Name", "pushring x").put("TTL", "10s").put("LockDelay", "5s").put("Behavior", "release"));
  }

  @Test
  void aNewInstanceCreatesASessionAndLeadsOnceItAcquires() {
    assertThat(lock.leadership().leader(0)).isFalse();
    lock.sessionCreated("s1", 0);
    assertThat(lock.leadership().leader(0)).as("a session alone is not leadership").isFalse();
    assertThat(lock.acquired("s1", false, S)).as("refused: nothing changes").isNull();
    assertThat(lock.leadership().reason()).contains("refused");
    assertThat(lock.acquired("s1", true, 2 * S)).isEqualTo(new Change(true, "holds " + KEY + " with session s1"));
    Decision next = lock.keyRead(new LockEntry(9, "s1", ME), 2 * S);
    assertThat(next).isEqualTo(new Decision(Step.WATCH, null));
    assertThat(lock.index().value()).isEqualTo(9);
  }

  @Test
  void leadershipEndsByItselfOneTtlAfterTheLastSuccessfulRenewWasSent() {
    long t = lead();
    // Renewed: sent at 4 s, answered at 6 s. Valid until 4 s + TTL, not 6 s + TTL: Consul may have
    // received it right after it was sent.
    assertThat(lock.renewed("s1", 4 * S, 6 * S)).isNull();
    assertThat(lock.leadership().validUntilNanos()).isEqualTo(14 * S);
    assertThat(lock.leadership().leader(14 * S - 1)).isTrue();
    assertThat(lock.leadership().leader(14 * S)).as("with no event at all: the time alone ends it").isFalse();
    Change lost = lock.expire(14 * S);
    assertThat(lost.gained()).isFalse();
    assertThat(lost.reason()).startsWith("no session renew succeeded for 10s");
    assertThat(lock.expire(15 * S)).as("announced once").isNull();
    assertThat(t).isPositive();
  }

  @Test
  void aRenewThatLandsAfterTheDeadlineDoesNotRestoreLeadershipWithoutAnAcquire() {
    lead();
    assertThat(lock.renewed("s1", 9 * S, 11 * S)).as("sent at 9 s, before the 10 s deadline, answered after")
        .isEqualTo(new Change(false, lock.leadership().reason()));
    assertThat(lock.leadership().reason()).startsWith("no session renew succeeded");
    assertThat(lock.leadership().leader(11 * S)).isFalse();
    // The key still shows our session: acquire again (a holder may), and lead again.
    assertThat(lock.keyRead(new LockEntry(10, "s1", ME), 11 * S).step()).isEqualTo(Step.ACQUIRE);
    assertThat(lock.acquired("s1", true, 11 * S).gained()).isTrue();
  }

  @Test
  void anAcquireWithALapsedSessionLeadsOnlyOnceARenewSucceeds() {
    lock.sessionCreated("s1", 0);
    assertThat(lock.acquired("s1", true, 12 * S)).as("session not surely valid at 12 s").isNull();
    assertThat(lock.leadership().leader(12 * S)).isFalse();
    // The renew succeeded, but the lapse dropped the hold: the loop acquires again.
    assertThat(lock.renewed("s1", 12 * S, 12 * S)).isNull();
    assertThat(lock.keyRead(new LockEntry(11, "s1", ME), 12 * S).step()).isEqualTo(Step.ACQUIRE);
    assertThat(lock.acquired("s1", true, 12 * S).gained()).isTrue();
  }

  @Test
  void aRenewAnswered404EndsSessionAndLeadershipAtOnce() {
    long t = lead();
    Change lost = lock.sessionGone("s1", "session s1 was invalidated by Consul (renew answered 404)", t + S);
    assertThat(lost).isEqualTo(new Change(false, "session s1 was invalidated by Consul (renew answered 404)"));
    assertThat(lock.session()).isEmpty();
    assertThat(lock.keyRead(new LockEntry(12, "", ""), t + S).step()).isEqualTo(Step.CREATE_SESSION);
    assertThat(lock.renewed("s1", t + S, t + S)).as("late answers about the old session are ignored").isNull();
    assertThat(lock.acquired("s1", true, t + S)).isNull();
    assertThat(lock.leadership().leader(t + S)).isFalse();
  }

  @Test
  void theKeyTakenByAnotherSessionEndsLeadershipAtOnce() {
    long t = lead();
    Decision d = lock.keyRead(new LockEntry(20, "s2", OTHER), t + S);
    assertThat(d.step()).isEqualTo(Step.WATCH);
    assertThat(d.change()).isEqualTo(new Change(false, "the lock is held by another session s2 (" + OTHER + ")"));
    assertThat(lock.leadership().leader(t + S)).isFalse();
    assertThat(lock.leadership().holder()).isEqualTo(OTHER);
  }

  @Test
  void theKeyFreedUnderTheLeaderEndsLeadershipAndIsAcquiredAgain() {
    long t = lead();
    Decision d = lock.keyRead(new LockEntry(21, "", ""), t + S);
    assertThat(d.step()).isEqualTo(Step.ACQUIRE);
    assertThat(d.change().gained()).isFalse();
    assertThat(d.change().reason()).contains("released under this instance");
    assertThat(lock.leadership().holder()).isEmpty();
    assertThat(lock.acquired("s1", true, t + S).gained()).as("regained").isTrue();
  }

  @Test
  void aFollowerWatchesAHeldKeyAndAcquiresWhenItIsFreeAfterTheLockDelay() {
    lock.sessionCreated("s1", 0);
    assertThat(lock.acquired("s1", false, 0)).isNull();
    Decision watching = lock.keyRead(new LockEntry(30, "s2", OTHER), 0);
    assertThat(watching).isEqualTo(new Decision(Step.WATCH, null));
    assertThat(lock.leadership().reason()).isEqualTo("following: the lock is held by " + OTHER);
    assertThat(lock.leadership().holder()).isEqualTo(OTHER);
    assertThat(lock.index().blocks()).isTrue();
    // The leader's session was invalidated: Consul released the key and holds it for the lock-delay.
    assertThat(lock.keyRead(new LockEntry(31, "", ""), 3 * S).step()).isEqualTo(Step.ACQUIRE);
    assertThat(lock.acquired("s1", false, 3 * S)).isNull();
    lock.renewed("s1", 5 * S, 5 * S);
    assertThat(lock.keyRead(new LockEntry(31, "", ""), 6 * S).step()).isEqualTo(Step.ACQUIRE);
    assertThat(lock.acquired("s1", true, 8 * S).gained()).isTrue();
  }

  @Test
  void anIndexThatGoesBackwardsStartsOverWithoutBlocking() {
    lock.sessionCreated("s1", 0);
    lock.keyRead(new LockEntry(40, "s2", OTHER), 0);
    assertThat(lock.index().value()).isEqualTo(40);
    lock.keyRead(new LockEntry(3, "s2", OTHER), 0);
    assertThat(lock.index().blocks()).isFalse();
  }

  @Test
  void stopEndsLeadershipBeforeAnythingIsSentAndIgnoresLateAnswers() {
    long t = lead();
    assertThat(lock.stop(t)).isEqualTo(new Change(false, "shutting down"));
    assertThat(lock.leadership().leader(t)).isFalse();
    assertThat(lock.stopped()).isTrue();
    assertThat(lock.session()).as("kept: the adapter releases and destroys it").isEqualTo("s1");
    assertThat(lock.acquired("s1", true, t)).isNull();
    assertThat(lock.renewed("s1", t, t)).isNull();
    assertThat(lock.leadership().leader(t)).isFalse();
  }

  // ---- the KV answer ----

  @Test
  void parsesConsulsKvAnswers() {
    String value = Base64.getEncoder().encodeToString(OTHER.getBytes(StandardCharsets.UTF_8));
    String held = "[{\"LockIndex\":1,\"Key\":\"" + KEY + "\",\"Flags\":0,\"Value\":\"" + value
        + "\",\"Session\":\"s2\",\"CreateIndex\":7,\"ModifyIndex\":8}]\n";
    assertThat(LockEntry.parse(200, "8", held)).isEqualTo(new LockEntry(8, "s2", OTHER));
    String released = "[{\"LockIndex\":1,\"Key\":\"" + KEY + "\",\"Flags\":0,\"Value\":null,\"CreateIndex\":7,\"ModifyIndex\":9}]";
    LockEntry free = LockEntry.parse(200, "9", released);
    assertThat(free).isEqualTo(new LockEntry(9, "", ""));
    assertThat(free.free()).isTrue();
    assertThat(LockEntry.parse(404, "12", "")).as("no key: free, with the index to block on")
        .isEqualTo(new LockEntry(12, "", ""));
    assertThatThrownBy(() -> LockEntry.parse(200, null, held)).hasMessageContaining("X-Consul-Index");
    assertThatThrownBy(() -> LockEntry.parse(500, "3", "rpc error")).hasMessage("HTTP 500: rpc error");
    assertThatThrownBy(() -> LockEntry.parse(200, "3", "<html>")).hasMessageContaining("not a Consul KV answer");
  }

  @Test
  void identityNamesHostPidAndPort() {
    assertThat(new JsonObject(ConsulLeaderElection.identity("pushring-1", 4242, 9292)))
        .isEqualTo(new JsonObject().put("host", "pushring-1").put("pid", 4242).put("httpPort", 9292));
  }
}
