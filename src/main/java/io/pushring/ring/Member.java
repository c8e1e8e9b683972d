package io.pushring.ring;

import java.util.Objects;

/**
 * One Pushgateway of the fleet. {@code id} is its identity on the ring (the Consul service ID,
 * {@code <host>_<port>} by default); {@code host:port} is only where it is reached.
 */
public record Member(String id, String host, int port) implements Comparable<Member> {
  public Member {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(host, "host");
    if (id.isEmpty()) throw new IllegalArgumentException("member id must not be empty");
    if (host.isEmpty()) throw new IllegalArgumentException("member host must not be empty");
    if (port < 1 || port > 65535) throw new IllegalArgumentException("member port out of range: " + port);
  }

  /** A member known only by address: id {@code <host>_<port>}, as dynamic-sharding registers it. */
  public static Member ofAddress(String host, int port) {
    return new Member(host + "_" + port, host, port);
  }

  /** {@code host:port} (IPv6 hosts in brackets). */
  public String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public int compareTo(Member o) {
    return id.compareTo(o.id);
  }
}
