package io.pushring.config;

import java.util.regex.Pattern;

/** Syntax checks for host names and {@code host:port} addresses (IPv6 hosts in brackets); {@link HostPort} splits them. */
final class Hosts {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*"); // at least two colons
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

  private Hosts() {}

  /** A DNS name, an IPv4 address or a bare IPv6 address (what an HTTP server can bind). */
  static boolean isHost(String s) {
    return NAME.matcher(s).matches() || IPV6.matcher(s).matches();
  }

  /** {@code host:port} or {@code [v6]:port}; with {@code portOptional}, also {@code host} or {@code [v6]}. */
  static boolean isHostPort(String s, boolean portOptional) {
    return isHostPort(s, portOptional, false);
  }

  /** The same; with {@code anyPort}, port 0 (a listener's "any free port") is accepted too. */
  static boolean isHostPort(String s, boolean portOptional, boolean anyPort) {
    String[] parts = HostPort.split(s);
    if (parts == null) return false;
    String host = parts[0];
    String port = parts[1];
    // A bare IPv6 address would be ambiguous with host:port: only in brackets.
    if (s.startsWith("[") ? !IPV6.matcher(host).matches() : !NAME.matcher(host).matches()) return false;
    if (port == null) return portOptional;
    if (!PORT.matcher(port).matches()) return false;
    int p = Integer.parseInt(port);
    return p >= (anyPort ? 0 : 1) && p <= 65535;
  }
}
