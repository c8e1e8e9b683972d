package io.pushring.reconcile;

import io.pushring.tap.ReconcileEvent;

/**
 * Where a pass reports each action as it happens: the tap in production ({@code TapSwitch}), a list
 * in tests. {@link #wanted} is asked first, so that nobody listening costs one volatile read per
 * action and no event is built.
 */
public interface ReconcileEvents {
  ReconcileEvents NONE = new ReconcileEvents() {
    @Override
    public boolean wanted() {
      return false;
    }

    @Override
    public void publish(ReconcileEvent event) {}
  };

  boolean wanted();

  /** Must not block: called from the pass's worker thread between two requests. */
  void publish(ReconcileEvent event);
}
