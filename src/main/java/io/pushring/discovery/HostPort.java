package io.pushring.discovery;

/**
 * A {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port} address as written in the
 * configuration (validated there). A bare IPv6 address has no port. Brackets are not part of
 * {@link #host()}.
 */
public record HostPort(String host, int port) {

  public static HostPort parse(String s, int defaultPort) {
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      String host = s.substring(1, close);
      return new HostPort(host, close + 1 < s.length() ? Integer.parseInt(s.substring(close + 2)) : defaultPort);
    }
    int colon = s.indexOf(':');
    if (colon < 0 || colon != s.lastIndexOf(':')) return new HostPort(s, defaultPort);
    return new HostPort(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
  }

  /** {@code host:port}, IPv6 hosts in brackets: what goes into a URL. */
  public String authority() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
