package io.pushring.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.MultiMap;
import java.net.ConnectException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The proxy's header policy as tables, and the failure type's statuses. */
class HeaderPolicyTest {

  @ParameterizedTest(name = "{0} hop-by-hop: {1}")
  @CsvSource({
      "Connection, true", "keep-alive, true", "TE, true", "Trailer, true", "Transfer-Encoding, true",
      "UPGRADE, true", "Proxy-Authorization, true", "proxy-authenticate, true", "Proxy-Connection, true",
      "Host, true", "Expect, true",
      "Authorization, false", "Content-Type, false", "Content-Encoding, false", "Content-Length, false",
      "User-Agent, false", "X-Forwarded-For, false", "Accept, false", "Date, false", "te2, false"})
  void hopByHop(String name, boolean expected) {
    assertThat(HeaderPolicy.isHopByHop(name)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "Connection: \"{0}\" names {1}: {2}")
  @CsvSource(value = {
      "close, X-Trace | x-trace | true",
      "X-Trace ,keep-alive | Keep-Alive | true",
      "close | X-Trace | false",
      "close, X-Trace-Id | X-Trace | false",
      " | X-Trace | false",
      "Content-Length | content-length | true"}, delimiter = '|')
  void namedByConnection(String connection, String name, boolean expected) {
    assertThat(HeaderPolicy.namedByConnection(connection == null ? "" : connection, name)).isEqualTo(expected);
  }

  static Stream<Arguments> requestHeaderCases() {
    return Stream.of(
        // in headers (name: value pairs), client, scheme, host -> expected out (name: value), names absent
        Arguments.of(List.of("Authorization", "Basic eDp5", "Content-Type", "text/plain", "Content-Encoding", "gzip",
                "User-Agent", "curl/8"), "10.0.0.9", "http", "pr:9292",
            List.of("Authorization", "Basic eDp5", "Content-Type", "text/plain", "Content-Encoding", "gzip",
                "User-Agent", "curl/8", "X-Forwarded-For", "10.0.0.9", "X-Forwarded-Proto", "http",
                "X-Forwarded-Host", "pr:9292"), List.of()),
        // framing is pushring's: Content-Length and Transfer-Encoding never copied
        Arguments.of(List.of("Content-Length", "12", "Transfer-Encoding", "chunked"), "10.0.0.9", "http", null,
            List.of("X-Forwarded-For", "10.0.0.9"), List.of("Content-Length", "Transfer-Encoding", "X-Forwarded-Host")),
        // Connection and what it names are dropped, the rest kept
        Arguments.of(List.of("Connection", "keep-alive, X-Hop", "X-Hop", "1", "X-Keep", "2", "Keep-Alive", "5"),
            "10.0.0.9", "http", null, List.of("X-Keep", "2"), List.of("Connection", "X-Hop", "Keep-Alive")),
        // a front proxy's X-Forwarded-* are kept; X-Forwarded-For appended to (two headers joined)
        Arguments.of(List.of("X-Forwarded-For", "203.0.113.9", "X-Forwarded-For", "198.51.100.1",
                "X-Forwarded-Proto", "https", "X-Forwarded-Host", "front"), "10.0.0.9", "http", "pr",
            List.of("X-Forwarded-For", "203.0.113.9, 198.51.100.1, 10.0.0.9", "X-Forwarded-Proto", "https",
                "X-Forwarded-Host", "front"), List.of()),
        // no client address known: X-Forwarded-For passes as received
        Arguments.of(List.of("X-Forwarded-For", "203.0.113.9"), null, null, null,
            List.of("X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "http"), List.of()),
        // Expect, TE, Proxy-*, Host: never forwarded
        Arguments.of(List.of("Expect", "100-continue", "TE", "trailers", "Proxy-Authorization", "Basic x", "Host", "pr"),
            "10.0.0.9", "http", "pr", List.of("X-Forwarded-Host", "pr"),
            List.of("Expect", "TE", "Proxy-Authorization", "Host")));
  }

  @ParameterizedTest
  @MethodSource("requestHeaderCases")
  void requestHeaders(List<String> in, String client, String scheme, String host, List<String> expected, List<String> absent) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < in.size(); i += 2) headers.add(in.get(i), in.get(i + 1));
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    HeaderPolicy.copyRequestHeaders(headers, client, scheme, host, out);
    for (int i = 0; i < expected.size(); i += 2) {
      assertThat(out.getAll(expected.get(i))).as(expected.get(i)).containsExactly(expected.get(i + 1));
    }
    for (String name : absent) assertThat(out.contains(name)).as(name).isFalse();
  }

  @Test
  void responseHeadersKeepLengthAndEndToEndDropHopByHop() {
    MultiMap in = MultiMap.caseInsensitiveMultiMap().add("Content-Length", "3").add("Content-Type", "text/plain")
        .add("Connection", "close, X-Up").add("X-Up", "1").add("Transfer-Encoding", "chunked").add("Date", "d");
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    HeaderPolicy.copyResponseHeaders(in, out);
    assertThat(out.names()).containsExactlyInAnyOrder("Content-Length", "Content-Type", "Date");
  }

  @ParameterizedTest(name = "Content-Encoding \"{0}\" encoded: {1}")
  @CsvSource(value = {"gzip|true", "GZIP|true", "deflate|true", "identity|false", "Identity |false", "|false", " |false"},
      delimiter = '|')
  void encodedBodies(String encoding, boolean expected) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    if (encoding != null) h.add("Content-Encoding", encoding);
    assertThat(HeaderPolicy.isEncoded(h)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "Content-Length \"{0}\" -> {1}")
  @CsvSource(value = {"12|12", " 7 |7", "|-1", "x|-1", "0|0"}, delimiter = '|')
  void declaredLength(String value, long expected) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    if (value != null) h.add("Content-Length", value);
    assertThat(HeaderPolicy.declaredLength(h)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "\"{0}\" sendable: {1}")
  @CsvSource(value = {"/metrics/job/a|true", "/metrics/job/a%20b|true", "/metrics/job/%C3%A9|true", "x=1&y=%2F|true",
      "/metrics/job/a b|false", "x=1 2|false", "/metrics/job/a\u0000b|false", "/metrics/job/a\u007Fb|false",
      "/metrics/job/a\tb|false", "/metrics/job/a\rb|false"}, delimiter = '|')
  void requestTargetsThatFitARequestLine(String part, boolean expected) {
    assertThat(HeaderPolicy.isSendableTarget(part)).isEqualTo(expected);
  }

  @Test
  void failuresCarryTheirStatusFromWhereTheyHappen() {
    assertThat(ProxyFailure.unsendableTarget().status()).isEqualTo(400);
    assertThat(ProxyFailure.connectFailed(new ConnectTimeoutException("connection timed out"), 1).status()).isEqualTo(504);
    assertThat(ProxyFailure.connectFailed(new ConnectException("Connection refused"), 1).status()).isEqualTo(502);
    assertThat(ProxyFailure.connectFailed(new ConnectException("Connection refused"), 1).getMessage())
        .contains("refused").contains("not retried elsewhere").doesNotContain("connections tried");
    assertThat(ProxyFailure.unreachable(new io.vertx.core.http.HttpClosedException("Connection was closed"), 6))
        .satisfies(f -> assertThat(f.status()).isEqualTo(502))
        .satisfies(f -> assertThat(f.getMessage()).contains("6 connections tried"));
    assertThat(ProxyFailure.upstreamSilent(30_000).status()).isEqualTo(504);
    assertThat(ProxyFailure.bodyStalled(30_000).status()).isEqualTo(408);
    assertThat(ProxyFailure.uploadTooSlow(60_000).status()).isEqualTo(408);
    assertThat(ProxyFailure.tooLarge(20, 10).status()).isEqualTo(413);
    assertThat(ProxyFailure.tooLarge(20, 10).getMessage()).contains("router.max-body");
    assertThat(ProxyFailure.clientGone().status()).isEqualTo(ProxyForwarder.CLIENT_CLOSED);
  }

  /**
   * What Netty's finishConnect reports for a connection the owner's kernel accepted and reset before
   * the event loop finished connecting ("Connection reset by peer: /127.0.0.1:49361", a
   * SocketException): nothing was sent on it, so it may be tried again. Refusals, timeouts and TLS
   * failures are other cases.
   */
  @Test
  void aConnectionResetWhileConnectingIsToldApartFromRefusalsTimeoutsAndTls() {
    assertThat(ProxyFailure.resetWhileConnecting(new java.net.SocketException("Connection reset by peer: /127.0.0.1:1")))
        .isTrue();
    assertThat(ProxyFailure.resetWhileConnecting(new ConnectException("Connection refused"))).isFalse();
    assertThat(ProxyFailure.resetWhileConnecting(new java.net.NoRouteToHostException("No route to host"))).isFalse();
    assertThat(ProxyFailure.resetWhileConnecting(new ConnectTimeoutException("connection timed out"))).isFalse();
    assertThat(ProxyFailure.resetWhileConnecting(
        new javax.net.ssl.SSLHandshakeException("Failed to create SSL connection"))).isFalse();
    assertThat(ProxyFailure.resetWhileConnecting(new io.vertx.core.http.HttpClosedException("Connection was closed")))
        .isFalse();
  }

  /** epoll and io_uring (http.transport) report both as a ConnectException carrying the errno. */
  @Test
  void theNativeTransportsResetWhileConnectingIsAResetNotARefusal() {
    ConnectException reset = new ConnectException("finishConnect(..) failed with error(-104): Connection reset by peer");
    ConnectException refusedNatively = new ConnectException("finishConnect(..) failed with error(-111): Connection refused");
    assertThat(ProxyFailure.resetWhileConnecting(reset)).isTrue();
    assertThat(ProxyFailure.refused(reset)).isFalse();
    assertThat(ProxyFailure.resetWhileConnecting(refusedNatively)).isFalse();
    assertThat(ProxyFailure.refused(refusedNatively)).isTrue();
  }

  /**
   * The same, from Netty's own code rather than a copied message: the exceptions its epoll
   * ({@code finishConnect}) and io_uring ({@code io_uring connect}, the default transport) connects
   * raise for ECONNRESET and ECONNREFUSED, made by the {@code Errors} class they call.
   */
  @Test
  @SuppressWarnings("deprecation")   // Errors.throwConnectException: what io_uring's connect calls in 4.2
  void theExceptionsNettysNativeConnectsRaiseAreClassifiedAlike() {
    assumeThat(io.netty.channel.epoll.Epoll.isAvailable()).as("Netty's native library loads here").isTrue();
    for (String method : List.of("finishConnect", "io_uring connect")) {
      Throwable reset = catchThrowable(() -> io.netty.channel.unix.Errors.throwConnectException(method, -104));
      Throwable refused = catchThrowable(() -> io.netty.channel.unix.Errors.throwConnectException(method, -111));
      assertThat(reset).as(method).isInstanceOf(ConnectException.class).hasMessageContaining("reset");
      assertThat(ProxyFailure.resetWhileConnecting(reset)).as(reset.getMessage()).isTrue();
      assertThat(ProxyFailure.refused(reset)).as(reset.getMessage()).isFalse();
      assertThat(ProxyFailure.resetWhileConnecting(refused)).as(refused.getMessage()).isFalse();
      assertThat(ProxyFailure.refused(refused)).as(refused.getMessage()).isTrue();
    }
  }

  @Test
  void theAddressCacheIsBoundedAndKeepsWhatIsInUse() {
    MemberAddresses cache = new MemberAddresses();
    io.pushring.ring.Member live = io.pushring.ring.Member.ofAddress("10.0.0.1", 9091);
    var address = cache.of(live);
    for (int i = 0; i < 3 * MemberAddresses.CAPACITY; i++) {
      cache.of(io.pushring.ring.Member.ofAddress("10.1." + (i / 250) + "." + (i % 250), 9091));
      if (i % 100 == 0) assertThat(cache.of(live)).isSameAs(address);   // in use: never evicted
    }
    assertThat(cache.size()).isEqualTo(MemberAddresses.CAPACITY);
    assertThat(cache.of(live)).isSameAs(address);
  }
}
