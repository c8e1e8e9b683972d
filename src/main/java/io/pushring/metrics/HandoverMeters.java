package io.pushring.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The router's meters for copies a ring change leaves behind: DELETEs of a moved key's previous
 * copy ({@code pushring_handover_deletes_total{result}}), moved pushes for which none was sent
 * ({@code pushring_handover_skipped_total{reason}}), the copies a client's DELETE removes on the
 * other members ({@code pushring_delete_fanout_total{result}}), and proxied pushes sent to the next
 * owner because the owner refused the connection ({@code pushring_proxy_fallbacks_total}), client
 * writes that waited for this instance's reconciler to finish writing their group
 * ({@code pushring_client_writes_waited_total}). Counters
 * are registered once; counting is one increment.
 */
public final class HandoverMeters {
  /** Result labels, in the order of {@code GroupDeleter.Outcome}: ok, failed, timeout. */
  private static final String[] RESULTS = {"ok", "failed", "timeout"};

  private final Counter[] deletes = new Counter[RESULTS.length];
  private final Counter[] fanout = new Counter[RESULTS.length];
  private final Counter skippedPost;
  private final Counter skippedCap;
  private final Counter fallbacks;
  private final Counter waited;

  public HandoverMeters(MeterRegistry registry) {
    for (int i = 0; i < RESULTS.length; i++) {
      deletes[i] = Counter.builder("pushring.handover.deletes")
          .description("DELETEs of the copy a moved key left on its previous owner, sent before the key's first push after a ring change, by result")
          .tag("result", RESULTS[i]).register(registry);
      fanout[i] = Counter.builder("pushring.delete.fanout")
          .description("DELETEs a client's DELETE sent to the ring's other members (copies may be anywhere after changes), by result")
          .tag("result", RESULTS[i]).register(registry);
    }
    skippedPost = skipped(registry, "post");
    skippedCap = skipped(registry, "cap");
    fallbacks = Counter.builder("pushring.proxy.fallbacks")
        .description("Proxied pushes sent to the next owner because the owner refused the connection")
        .register(registry);
    waited = Counter.builder("pushring.client.writes.waited")
        .description("Client writes of a group that waited for this instance's reconciler to finish writing that group on its owner")
        .register(registry);
  }

  private static Counter skipped(MeterRegistry registry, String reason) {
    return Counter.builder("pushring.handover.skipped")
        .description("Pushes of a moved key that left its previous copy to the reconciler: a POST (it merges;"
            + " deleting would lose the families it does not carry) or beyond router.handover-max-keys")
        .tag("reason", reason).register(registry);
  }

  /** @param result 0 ok, 1 failed, 2 timeout ({@code GroupDeleter.Outcome#ordinal}) */
  public void handoverDelete(int result) { deletes[result].increment(); }

  /** @param result 0 ok, 1 failed, 2 timeout ({@code GroupDeleter.Outcome#ordinal}) */
  public void fanoutDelete(int result) { fanout[result].increment(); }

  public void skippedPost() { skippedPost.increment(); }

  public void skippedCap() { skippedCap.increment(); }

  public void fallback() { fallbacks.increment(); }

  public void waitedForReconciler() { waited.increment(); }
}
