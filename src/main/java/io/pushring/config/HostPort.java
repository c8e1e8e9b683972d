package io.pushring.config;

/**
 * A {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port} address as written in the
 * configuration. The one place that splits such a string: {@link Hosts} checks the syntax of the
 * parts at load time, everything after that ({@code consul.address}, static members, Pushgateway
 * servers) parses the validated string here. A bare IPv6 address has no port (the configuration
 * rejects it where a port may follow). Brackets are not part of {@link #host()}.
 */
public record HostPort(String host, int port) {

  /** {@code s} split into host and port text (null when absent); null when a bracket is not closed. */
  static String[] split(String s) {
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) return null;
      String rest = s.substring(close + 1);
      if (!rest.isEmpty() && !rest.startsWith(":")) return null;
      return new String[] {s.substring(1, close), rest.isEmpty() ? null : rest.substring(1)};
    }
    int colon = s.lastIndexOf(':');
    if (colon < 0 || colon != s.indexOf(':')) return new String[] {s, null};
    return new String[] {s.substring(0, colon), s.substring(colon + 1)};
  }

  /** A validated address; {@code defaultPort} when it names none. */
  public static HostPort parse(String s, int defaultPort) {
    String[] parts = split(s);
    if (parts == null) throw new IllegalArgumentException("not a host:port: " + s);
    return new HostPort(parts[0], parts[1] == null ? defaultPort : Integer.parseInt(parts[1]));
  }

  /** {@code host:port}, IPv6 hosts in brackets: what goes into a URL. */
  public String authority() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
