package io.pushring.consul;

import io.pushring.config.Durations;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * One instance's side of the leader election on a Consul session + KV lock, as a pure state
 * machine: the adapter ({@link ConsulLeaderElection}) performs the HTTP calls and feeds their
 * outcomes here with the time ({@link System#nanoTime}) they were sent or seen; this class decides
 * what follows and publishes a {@link Leadership} snapshot after every event. Every event returns the
 * {@link Change} it caused, if leadership as last announced flipped (one log line each, with why).
 *
 * <p>The protocol (Consul's "leader election" recipe): create a session ({@code TTL}, {@code LockDelay},
 * {@code Behavior: release}), renew it every TTL/2, {@code acquire} the key with it, then watch the
 * key with blocking reads: a key held by our session is kept; one that became free (its holder's
 * session was invalidated, or it released) is acquired; one held by another session means someone
 * else leads. Leadership ends at once when the key is seen free or taken by another session, when a
 * renew says the session is gone ({@code 404}), on shutdown, and on its own when no renew has
 * succeeded for a TTL ({@link Leadership#leader}); the adapter also calls {@link #expire} at that
 * moment so the loss is logged. Regaining always takes a successful acquire.
 *
 * <p>Not thread-safe: one context drives it. {@link #leadership()} may be read from any thread.
 */
public final class LeaderLock {

  /**
   * @param key the KV key that is the lock
   * @param ttl the session's TTL: renewed every half of it; leadership ends locally when no renew
   *     succeeded for a whole one
   * @param lockDelay how long Consul keeps anyone from acquiring the key after the holder's session
   *     is invalidated (not after a voluntary release)
   * @param identity this instance, written as the key's value so operators see who leads
   */
  public record Settings(String key, Duration ttl, Duration lockDelay, String identity) {
    /** A renew every TTL/2: one lost or slow renew still leaves time for the next one. */
    public long renewEveryMillis() {
      return Math.max(1, ttl.toMillis() / 2);
    }

    /** After a renew that failed (not a 404): try again soon, several times within the TTL. */
    public long renewRetryMillis() {
      return clamp(ttl.toMillis() / 10, 100, 1_000);
    }

    /**
     * Bound on every call but the blocking read: a renew that hangs must fail early enough for a
     * retry within the TTL.
     */
    public long requestTimeoutMillis() {
      return clamp(ttl.toMillis() / 4, 500, 5_000);
    }

    /**
     * The key is free but acquiring it was refused: Consul's lock-delay after the holder's session
     * was invalidated. Try again a few times per lock-delay (at most once per second), so the lock
     * is taken soon after the delay ends; the key does not change meanwhile, so a blocking read
     * would sleep through it.
     */
    public long acquireRetryMillis() {
      return clamp(lockDelay.toMillis() / 4, 100, 1_000);
    }

    /** The body of {@code PUT /v1/session/create}. */
    public JsonObject sessionBody(String name) {
      return new JsonObject()
          .put("Name", name)
          .put("TTL", Durations.format(ttl))
          .put("LockDelay", Durations.format(lockDelay))
          .put("Behavior", "release");
    }

    private static long clamp(long v, long min, long max) {
      return Math.max(min, Math.min(max, v));
    }
  }

  /** Leadership gained ({@code gained}) or lost, and why. */
  public record Change(boolean gained, String reason) {}

  /** What the lock loop does after a read of the key. */
  public enum Step {
    /** No session: create one, then read again. */
    CREATE_SESSION,
    /** Acquire the key with our session, then read again. */
    ACQUIRE,
    /** Read again, blocking until the key changes. */
    WATCH
  }

  /** The step after a read, and the change the read caused (null: none). */
  public record Decision(Step step, Change change) {}

  private final Settings settings;
  private String session = "";
  private long validUntilNanos;
  private boolean holding;
  private String holder = "";
  private String reason = "no session yet";
  private BlockingIndex index = BlockingIndex.NONE;
  private boolean announced;
  private boolean stopped;
  private volatile Leadership snapshot = Leadership.NONE;

  public LeaderLock(Settings settings) {
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  public Leadership leadership() {
    return snapshot;
  }

  /** The current session's ID, "" when there is none. */
  public String session() {
    return session;
  }

  public boolean stopped() {
    return stopped;
  }

  /** The index a blocking read of the key waits on; {@link BlockingIndex#blocks()} false: read without blocking. */
  public BlockingIndex index() {
    return index;
  }

  /** Consul created session {@code id} for a request sent at {@code sentAtNanos}. */
  public void sessionCreated(String id, long sentAtNanos) {
    session = id;
    holding = false;
    validUntilNanos = sentAtNanos + settings.ttl().toNanos();
    reason = "session " + id + " created, not holding the lock yet";
    publish();
  }

  /** A renew of {@code id} sent at {@code sentAtNanos} succeeded: the session lives at least a TTL from then. */
  public Change renewed(String id, long sentAtNanos, long nowNanos) {
    if (stopped || !id.equals(session)) return null; // an answer about a session we no longer use
    lapse(nowNanos);
    validUntilNanos = Math.max(validUntilNanos, sentAtNanos + settings.ttl().toNanos());
    return settle(nowNanos);
  }

  /** Consul says session {@code id} no longer exists (a renew answered 404, an acquire "invalid session"). */
  public Change sessionGone(String id, String why, long nowNanos) {
    if (!id.equals(session)) return null;
    session = "";
    holding = false;
    reason = why;
    return settle(nowNanos);
  }

  /** Called at {@link Leadership#validUntilNanos}: with no renew since, leadership has ended. */
  public Change expire(long nowNanos) {
    lapse(nowNanos);
    return settle(nowNanos);
  }

  /** A read of the key answered {@code entry}; what to do next. */
  public Decision keyRead(LockEntry entry, long nowNanos) {
    lapse(nowNanos);
    index = index.next(entry.index());
    holder = entry.free() ? "" : entry.value();
    Step step;
    if (session.isEmpty()) {
      holding = false;
      step = Step.CREATE_SESSION;
    } else if (entry.session().equals(session)) {
      // Ours in Consul's view. Not yet holding (a restart of the loop, or an expiry while Consul was
      // away): acquire again to be sure, which a holder may do at no cost.
      step = holding ? Step.WATCH : Step.ACQUIRE;
    } else if (!entry.free()) {
      if (holding) reason = "the lock is held by another session " + entry.session() + " (" + entry.value() + ")";
      else reason = "following: the lock is held by " + entry.value();
      holding = false;
      step = Step.WATCH;
    } else {
      if (holding) reason = "the lock was released under this instance (its session invalidated by Consul?)";
      holding = false;
      step = Step.ACQUIRE;
    }
    return new Decision(step, settle(nowNanos));
  }

  /**
   * The acquire of the key with session {@code id}, sent at {@code sentAtNanos}, answered {@code ok}.
   * Refused while the key is free means Consul's lock-delay: read again after
   * {@link Settings#acquireRetryMillis()}.
   */
  public Change acquired(String id, boolean ok, long nowNanos) {
    if (stopped || !id.equals(session)) return null;
    lapse(nowNanos);
    holding = ok;
    if (ok) holder = settings.identity();
    else reason = "acquiring " + settings.key() + " refused (held by another session, or in Consul's lock-delay)";
    return settle(nowNanos);
  }

  /** Shutting down: leadership ends now, before the release is even sent. Returns the change, if any. */
  public Change stop(long nowNanos) {
    stopped = true;
    holding = false;
    reason = "shutting down";
    return settle(nowNanos);
  }

  /** No renew succeeded for a TTL: whatever the event, the lock is no longer surely ours. */
  private void lapse(long nowNanos) {
    if (holding && nowNanos - validUntilNanos >= 0) {
      holding = false;
      reason = "no session renew succeeded for " + Durations.format(settings.ttl())
          + " (Consul unreachable or slow): the lock may be someone else's by now";
    }
  }

  /**
   * Publishes the snapshot; returns the change if leadership differs from what was last announced
   * (a loss with the {@link #reason} the event recorded).
   */
  private Change settle(long nowNanos) {
    if (holding && session.length() > 0 && nowNanos - validUntilNanos < 0) {
      reason = "holds " + settings.key() + " with session " + session;
    }
    publish();
    boolean leader = snapshot.leader(nowNanos);
    if (leader == announced) return null;
    announced = leader;
    return new Change(leader, reason);
  }

  private void publish() {
    snapshot = new Leadership(holding, validUntilNanos, session, holder, reason);
  }
}
