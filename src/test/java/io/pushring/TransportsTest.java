package io.pushring;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.config.PushringConfig.Transport;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The choice of {@code http.transport}, against a made-up availability of the native transports. */
class TransportsTest {
  private static final String NO_URING = "IoUring: io_uring_setup failed (EPERM)";
  private static final String NO_EPOLL = "its Netty native jar is not on the class path";

  private static Function<String, String> unavailable(Map<String, String> why) {
    return name -> {
      assertThat(name).as("nio is never probed: it always runs").isNotEqualTo("nio");
      return why.get(name);
    };
  }

  private static final Function<String, String> ALL = unavailable(Map.of());
  private static final Function<String, String> NO_IO_URING = unavailable(Map.of("io_uring", NO_URING));
  private static final Function<String, String> NONE = unavailable(Map.of("io_uring", NO_URING, "epoll", NO_EPOLL));

  @Test
  void aTransportThatRunsIsTakenAsAsked() {
    for (Transport t : new Transport[] {Transport.EPOLL, Transport.IO_URING, Transport.NIO}) {
      Transports.Choice c = Transports.choose(t, ALL);
      assertThat(c.name()).isEqualTo(t.configName());
      assertThat(c.reason()).isEmpty();
      assertThat(c.describe()).isEqualTo("transport " + t.configName() + " (http.transport " + t.configName() + ")");
    }
  }

  @Test
  void ioUringRefusedFallsBackToEpollThenNioNamingEachReason() {
    Transports.Choice epoll = Transports.choose(Transport.IO_URING, NO_IO_URING);
    assertThat(epoll.name()).isEqualTo("epoll");
    assertThat(epoll.describe())
        .isEqualTo("transport epoll (http.transport io_uring; io_uring unavailable: " + NO_URING + ")");

    Transports.Choice nio = Transports.choose(Transport.IO_URING, NONE);
    assertThat(nio.name()).isEqualTo("nio");
    assertThat(nio.reason()).isEqualTo("io_uring unavailable: " + NO_URING + "; epoll unavailable: " + NO_EPOLL);
  }

  @Test
  void epollNeverFallsForwardToIoUring() {
    Transports.Choice c = Transports.choose(Transport.EPOLL, unavailable(Map.of("epoll", NO_EPOLL)));
    assertThat(c.name()).isEqualTo("nio");
    assertThat(c.reason()).isEqualTo("epoll unavailable: " + NO_EPOLL);
  }

  @Test
  void autoTakesTheMeasuredOrderAndEndsOnNio() {
    assertThat(Transports.candidates(Transport.AUTO)).endsWith("nio").startsWith(Transports.AUTO.get(0));
    Transports.Choice first = Transports.choose(Transport.AUTO, ALL);
    assertThat(first.name()).isEqualTo(Transports.AUTO.get(0));
    assertThat(first.describe()).isEqualTo("transport " + Transports.AUTO.get(0) + " (http.transport auto)");
    Transports.Choice last = Transports.choose(Transport.AUTO, NONE);
    assertThat(last.name()).isEqualTo("nio");
    assertThat(last.reason()).contains("unavailable: ");
  }

  @Test
  void nioAskedForProbesNothing() {
    Transports.Choice c = Transports.choose(Transport.NIO, name -> {
      throw new AssertionError("probed " + name);
    });
    assertThat(c.name()).isEqualTo("nio");
  }
}
