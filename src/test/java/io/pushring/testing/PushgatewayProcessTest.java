package io.pushring.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fixture itself: start, talk, SIGTERM/SIGKILL, and failure with the process output. */
class PushgatewayProcessTest {

  @Test
  void startsOnAFreeLoopbackPortAndStopsIdempotently() {
    PushgatewayProcess pg = PushgatewayProcess.start();
    try {
      assertThat(pg.host()).isEqualTo("127.0.0.1");
      assertThat(pg.baseUrl()).isEqualTo("http://127.0.0.1:" + pg.port());
      assertThat(ProcessHandle.of(pg.pid())).isPresent();
      assertThat(pg.put("/metrics/job/fixture/instance/i%20one", "m 1\n").status()).isEqualTo(200);
      assertThat(pg.groups()).containsExactly(Map.of("job", "fixture", "instance", "i one"));
      pg.deleteAllGroups();
      assertThat(pg.groups()).isEmpty();
    } finally {
      pg.close();
    }
    assertThat(pg.isAlive()).isFalse();
    pg.close(); // idempotent
  }

  @Test
  void killIsSigkillByPid() {
    try (PushgatewayProcess pg = PushgatewayProcess.start()) {
      long pid = pg.pid();
      pg.kill();
      assertThat(pg.isAlive()).isFalse();
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
  }

  @Test
  void twoInstancesGetDifferentPorts() {
    try (PushgatewayProcess a = PushgatewayProcess.start(); PushgatewayProcess b = PushgatewayProcess.start()) {
      assertThat(a.port()).isNotEqualTo(b.port());
      assertThat(a.put("/metrics/job/a", "m 1\n").status()).isEqualTo(200);
      assertThat(b.groups()).isEmpty();
    }
  }

  @Test
  void aProcessThatDiesReportsItsOutput() {
    assertThatThrownBy(() -> PushgatewayProcess.start("--no-such-flag"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exited with status")
        .hasMessageContaining("no-such-flag");
  }

  @Test
  void extraArgsArePassed() {
    try (PushgatewayProcess pg = PushgatewayProcess.start("--push.disable-consistency-check")) {
      assertThat(pg.put("/metrics/job/a", "m 1\n").status()).isEqualTo(202);
    }
  }
}
