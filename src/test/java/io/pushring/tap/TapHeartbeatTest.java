package io.pushring.tap;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.config.ConfigKeys;
import org.junit.jupiter.api.Test;

/** http.idle-timeout is validated against the tap's heartbeat: the two must not drift apart. */
class TapHeartbeatTest {
  @Test
  void theConfigRuleKnowsTheTapHeartbeat() {
    assertThat(TapStream.KEEPALIVE_MILLIS).isEqualTo(ConfigKeys.TAP_HEARTBEAT.toMillis());
  }
}
