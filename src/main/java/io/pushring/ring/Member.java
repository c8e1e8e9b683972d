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

  /** A member known only by address: id {@link #idOf}. */
  public static Member ofAddress(String host, int port) {
    return new Member(idOf(host, port), host, port);
  }

  /**
   * The id of a Pushgateway known by address, {@code <host>_<port>}: what dynamic-sharding registers,
   * what the registrar registers in Consul and what static members are called. The one place this
   * rule is written; grouping-key placement hashes the id, so changing it moves every key.
   */
  public static String idOf(String host, int port) {
    return host + "_" + port;
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
