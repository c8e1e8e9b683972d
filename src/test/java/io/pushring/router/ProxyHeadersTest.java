package io.pushring.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The pure parts of the forwarder: which headers are hop-by-hop, which failures are timeouts. */
class ProxyHeadersTest {
  @Test
  void hopByHopHeadersInAnyCase() {
    for (String name : new String[] {"Connection", "keep-alive", "TE", "Trailer", "Transfer-Encoding", "UPGRADE",
        "Proxy-Authorization", "proxy-authenticate", "Proxy-Connection", "Host", "Expect"}) {
      assertThat(ProxyForwarder.isHopByHop(name)).as(name).isTrue();
    }
    for (String name : new String[] {"Authorization", "Content-Type", "Content-Encoding", "Content-Length",
        "User-Agent", "X-Forwarded-For", "Accept", "Date", "te2"}) {
      assertThat(ProxyForwarder.isHopByHop(name)).as(name).isFalse();
    }
  }

  @Test
  void headersNamedInConnectionAreHopByHop() {
    assertThat(ProxyForwarder.namedByConnection("close, X-Trace", "x-trace")).isTrue();
    assertThat(ProxyForwarder.namedByConnection("X-Trace ,keep-alive", "Keep-Alive")).isTrue();
    assertThat(ProxyForwarder.namedByConnection("close", "X-Trace")).isFalse();
    assertThat(ProxyForwarder.namedByConnection("close, X-Trace-Id", "X-Trace")).isFalse();
    assertThat(ProxyForwarder.namedByConnection(null, "X-Trace")).isFalse();
    assertThat(ProxyForwarder.namedByConnection("", "X-Trace")).isFalse();
  }

  @Test
  void timeoutsAreToldApartFromRefusals() {
    assertThat(ProxyForwarder.isTimeout(new TimeoutException("x"))).isTrue();
    assertThat(ProxyForwarder.isTimeout(new ConnectTimeoutException("connection timed out"))).isTrue();
    assertThat(ProxyForwarder.isTimeout(new RuntimeException(new java.net.SocketTimeoutException()))).isTrue();
    assertThat(ProxyForwarder.isTimeout(new ConnectException("Connection refused"))).isFalse();
    assertThat(ProxyForwarder.isTimeout(new io.vertx.core.http.HttpClosedException("Connection was closed"))).isFalse();
  }
}
