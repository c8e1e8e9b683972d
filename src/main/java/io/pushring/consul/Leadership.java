package io.pushring.consul;

/**
 * What this instance knows about the lock at one moment, an immutable snapshot that any thread may
 * read (the reconciler's worker checks it before every write).
 *
 * <p>{@code holding}: the last acquire with the current session succeeded and nothing seen since says
 * otherwise. That alone is not leadership: the session must also still be valid, and this instance
 * can only know that by time. Consul never invalidates a session before its TTL has passed since it
 * last received a renew (its TTL is a lower bound; it may wait up to twice as long), so the session is
 * surely alive until {@code validUntilNanos} = the moment the last successful create or renew was
 * <em>sent</em> + TTL. After that the lock may already be someone else's, answer or no answer from
 * Consul: {@link #leader(long)} turns false on its own, without waiting for a timer or a reply.
 *
 * @param holder the lock key's value (the holder's identity) as last read; "" when nobody holds it
 * @param reason why this instance leads or does not, for operators
 */
public record Leadership(boolean holding, long validUntilNanos, String session, String holder, String reason) {
  public static final Leadership NONE = new Leadership(false, 0, "", "", "not started");

  /** Leader now: holding the lock with a session surely still valid at {@code nowNanos} ({@link System#nanoTime}). */
  public boolean leader(long nowNanos) {
    return holding && nowNanos - validUntilNanos < 0;
  }
}
