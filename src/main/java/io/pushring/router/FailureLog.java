package io.pushring.router;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Logs failures of calls to members without flooding: the first failure of a member, then at most
 * one line per {@link #REPEAT_MILLIS} while it keeps failing (with the count since the last line),
 * and one line when it answers again. Every failure is counted in the meters anyway. One per router
 * verticle, confined to its event loop; members are keyed by address.
 */
final class FailureLog {
  static final long REPEAT_MILLIS = 60_000;

  private final Logger log;
  private final String what;
  private final Map<String, long[]> failing = new HashMap<>();   // address -> {failures since last line, last line at}

  FailureLog(Logger log, String what) {
    this.log = log;
    this.what = what;
  }

  void failed(String address, String detail) {
    long now = System.currentTimeMillis();
    long[] state = failing.get(address);
    if (state == null) {
      failing.put(address, new long[] {0, now});
      log.warn("{} on {} failed: {} (the reconciler cleans what is left; further failures on it are counted, logged once a minute)",
          what, address, detail);
      return;
    }
    state[0]++;
    if (now - state[1] >= REPEAT_MILLIS) {
      log.warn("{} on {} failed {} more times in the last {} s, last: {}", what, address, state[0], (now - state[1]) / 1000, detail);
      state[0] = 0;
      state[1] = now;
    }
  }

  void succeeded(String address) {
    if (failing.isEmpty()) return;
    long[] state = failing.remove(address);
    if (state != null) log.info("{} on {} works again ({} failures since the last line)", what, address, state[0]);
  }
}
