package io.pushring.proxy;

import io.pushring.ring.Member;
import io.vertx.core.Future;

/**
 * Where a proxied push goes when its owner refuses the connection: the member that will own the key
 * once the refusing one leaves the ring (Consul notices a dead Pushgateway 0.3-1.2 s after the
 * proxy does). Nothing was sent to the owner, so the push is neither lost nor stored twice; the
 * reconciler moves it back if the owner returns.
 */
public interface Fallback {
  /** The next owner of the push's key without {@code refused}; completed with null when there is none. */
  Future<Member> nextOwner(Member refused);
}
