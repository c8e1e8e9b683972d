package io.pushring.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.util.Map;

/**
 * Which headers cross the proxy, both ways. Pure functions over header maps: no state, no Vert.x
 * beyond the map types, tested as a table ({@code HeaderPolicyTest}).
 */
final class HeaderPolicy {
  private static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized("X-Forwarded-For");
  private static final CharSequence X_FORWARDED_PROTO = HttpHeaders.createOptimized("X-Forwarded-Proto");
  private static final CharSequence X_FORWARDED_HOST = HttpHeaders.createOptimized("X-Forwarded-Host");

  private HeaderPolicy() {}

  /** Hop-by-hop headers (RFC 9110 §7.6.1) and those the connection to the member re-creates. */
  static boolean isHopByHop(String name) {
    switch (name.length()) {
      case 2: return name.equalsIgnoreCase("te");
      case 4: return name.equalsIgnoreCase("host");
      case 6: return name.equalsIgnoreCase("expect");
      case 7: return name.equalsIgnoreCase("upgrade") || name.equalsIgnoreCase("trailer");
      case 10: return name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
      case 16: return name.equalsIgnoreCase("proxy-connection");
      case 17: return name.equalsIgnoreCase("transfer-encoding");
      case 18: return name.equalsIgnoreCase("proxy-authenticate");
      case 19: return name.equalsIgnoreCase("proxy-authorization");
      default: return false;
    }
  }

  /**
   * The request body's framing toward the member is pushring's own (the exact length of a buffered
   * body, chunked for a streamed one), never the client's: a client's {@code Content-Length} may be
   * absent (HTTP/2) or named hop-by-hop by {@code Connection}, and copying that absence forwarded an
   * empty PUT that wiped the group.
   */
  static boolean isRequestFraming(String name) {
    return name.length() == 14 && name.equalsIgnoreCase("content-length");
  }

  /** Headers the {@code Connection} header names are hop-by-hop too ({@code Connection: close, X-Foo}). */
  static boolean namedByConnection(String connection, String name) {
    if (connection == null) return false;
    int from = 0;
    while (from <= connection.length()) {
      int comma = connection.indexOf(',', from);
      int end = comma < 0 ? connection.length() : comma;
      if (connection.substring(from, end).strip().equalsIgnoreCase(name)) return true;
      if (comma < 0) return false;
      from = comma + 1;
    }
    return false;
  }

  /**
   * End-to-end headers kept as sent (Authorization, Content-Type, Content-Encoding, User-Agent, ...);
   * hop-by-hop ones and the body framing dropped; {@code X-Forwarded-For} appended to,
   * {@code X-Forwarded-Proto}/{@code -Host} set unless a proxy in front already set them.
   */
  static void copyRequestHeaders(HttpServerRequest req, MultiMap out) {
    String client = null;
    SocketAddress remote = req.remoteAddress();
    if (remote != null) client = remote.hostAddress();
    String host = req.getHeader(HttpHeaders.HOST);
    if (host == null && req.authority() != null) {   // HTTP/2: :authority instead of Host
      host = req.authority().port() < 0 ? req.authority().host() : req.authority().host() + ":" + req.authority().port();
    }
    copyRequestHeaders(req.headers(), client, req.scheme(), host, out);
  }

  /** As {@link #copyRequestHeaders(HttpServerRequest, MultiMap)}, from plain values (for tests). */
  static void copyRequestHeaders(MultiMap in, String clientAddress, String scheme, String host, MultiMap out) {
    String connection = in.get(HttpHeaders.CONNECTION);
    String forwardedFor = null;
    for (Map.Entry<String, String> header : in) {
      String name = header.getKey();
      if (isHopByHop(name) || isRequestFraming(name) || namedByConnection(connection, name)) continue;
      if (name.equalsIgnoreCase("x-forwarded-for")) {
        forwardedFor = forwardedFor == null ? header.getValue() : forwardedFor + ", " + header.getValue();
        continue;
      }
      out.add(name, header.getValue());
    }
    if (clientAddress != null) out.set(X_FORWARDED_FOR, forwardedFor == null ? clientAddress : forwardedFor + ", " + clientAddress);
    else if (forwardedFor != null) out.set(X_FORWARDED_FOR, forwardedFor);
    if (!out.contains(X_FORWARDED_PROTO)) out.set(X_FORWARDED_PROTO, scheme == null ? "http" : scheme);
    if (host != null && !out.contains(X_FORWARDED_HOST)) out.set(X_FORWARDED_HOST, host);
  }

  static void copyResponseHeaders(MultiMap in, MultiMap out) {
    String connection = in.get(HttpHeaders.CONNECTION);
    for (Map.Entry<String, String> header : in) {
      String name = header.getKey();
      if (isHopByHop(name) || namedByConnection(connection, name)) continue;
      out.add(name, header.getValue());
    }
  }

  /**
   * Can this path or query be written into an HTTP/1.1 request line to the member? A space or a
   * control byte cannot (RFC 9112 §3.2: the request-target is visible characters only); over HTTP/2
   * a client can send one in {@code :path}, and forwarding it left the member connection in a state
   * where that push and every later one on the connection waited for a 504.
   */
  static boolean isSendableTarget(String part) {
    if (part == null) return true;
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (c <= 0x20 || c == 0x7F) return false;
    }
    return true;
  }

  /** {@code Content-Encoding} other than identity: the body's bytes are not the exposition text itself. */
  static boolean isEncoded(MultiMap headers) {
    String encoding = headers.get(HttpHeaders.CONTENT_ENCODING);
    return encoding != null && !encoding.isBlank() && !encoding.strip().equalsIgnoreCase("identity");
  }

  static boolean expectsContinue(MultiMap headers) {
    String expect = headers.get(HttpHeaders.EXPECT);
    return expect != null && expect.equalsIgnoreCase("100-continue");
  }

  /** The declared body length, or -1 when none is declared (chunked, HTTP/2 without one, or malformed). */
  static long declaredLength(MultiMap headers) {
    String value = headers.get(HttpHeaders.CONTENT_LENGTH);
    if (value == null) return -1;
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return -1;   // the HTTP codec has already refused malformed lengths
    }
  }
}
