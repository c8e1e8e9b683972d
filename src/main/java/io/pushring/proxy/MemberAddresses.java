package io.pushring.proxy;

import io.pushring.ring.Member;
import io.vertx.core.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Each member's socket address, made once instead of once per push. Least recently used entries go
 * first once {@link #CAPACITY} members are known: members of rings long gone age out one by one
 * while the live fleet stays cached (the previous cap cleared the whole map, live members included).
 * One per forwarder, touched only on its event loop.
 */
final class MemberAddresses {
  /** Far above any fleet: the bound only matters for a fleet that keeps changing addresses. */
  static final int CAPACITY = 1024;

  private final Map<Member, SocketAddress> addresses = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Member, SocketAddress> eldest) {
      return size() > CAPACITY;
    }
  };

  SocketAddress of(Member member) {
    SocketAddress address = addresses.get(member);
    if (address == null) {
      address = SocketAddress.inetSocketAddress(member.port(), member.host());
      addresses.put(member, address);
    }
    return address;
  }

  int size() {
    return addresses.size();
  }
}
