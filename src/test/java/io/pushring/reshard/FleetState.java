package io.pushring.reshard;

import io.pushring.key.GroupingKey;
import io.pushring.reconcile.GroupFamilies;
import io.pushring.reconcile.PushgatewayClient;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the groups of a {@link Workload} are on a fleet of Pushgateways, read from each one's own API
 * ({@code GET /api/v1/metrics}), and what is wrong with it against a ring and the values pushed.
 */
record FleetState(Map<GroupingKey, Map<String, Long>> copies) {
  private static final PushgatewayClient API = new PushgatewayClient("http", Duration.ofSeconds(10));

  /** Reads {@code keys} on every member of {@code running} (every Pushgateway alive). */
  static FleetState read(Collection<Member> running, Collection<GroupingKey> keys) {
    java.util.Set<GroupingKey> wanted = java.util.Set.copyOf(keys);
    Map<GroupingKey, Map<String, Long>> copies = new HashMap<>();
    for (Member m : running) {
      Map<GroupingKey, GroupFamilies> held;
      try {
        held = API.families(m, wanted);
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + m.id(), e);
      }
      held.forEach((k, f) -> copies.computeIfAbsent(k, x -> new TreeMap<>()).put(m.id(), value(f)));
    }
    return new FleetState(copies);
  }

  private static long value(GroupFamilies f) {
    return (long) Double.parseDouble(f.families().get(0).samples().get(0).value());
  }

  /**
   * What differs from "every group on exactly one Pushgateway, its owner on {@code ring}, with a value
   * between {@code low} and {@code high}" (both per group: what was acknowledged before the read,
   * what the clients had counted after it).
   */
  Verdict against(Ring ring, Map<GroupingKey, Long> low, Map<GroupingKey, Long> high) {
    List<String> missing = new ArrayList<>();
    List<String> duplicated = new ArrayList<>();
    List<String> offOwner = new ArrayList<>();
    List<String> stale = new ArrayList<>();
    for (Map.Entry<GroupingKey, Long> e : low.entrySet()) {
      GroupingKey k = e.getKey();
      Map<String, Long> held = copies.getOrDefault(k, Map.of());
      String owner = ring.route(k).id();
      String name = k.printable();
      if (held.isEmpty()) missing.add(name);
      else if (held.size() > 1) duplicated.add(name + " on " + held);
      else if (!held.containsKey(owner)) offOwner.add(name + " on " + held + ", owner " + owner);
      else {
        long v = held.get(owner);
        if (v < e.getValue() || v > high.get(k)) stale.add(name + " holds " + v + ", pushed " + e.getValue() + ".." + high.get(k));
      }
    }
    return new Verdict(low.size(), missing, duplicated, offOwner, stale);
  }

  /** The groups found wrong, by kind (the first few named). */
  record Verdict(int groups, List<String> missing, List<String> duplicated, List<String> offOwner, List<String> stale) {
    boolean clean() {
      return missing.isEmpty() && duplicated.isEmpty() && offOwner.isEmpty() && stale.isEmpty();
    }

    @Override
    public String toString() {
      return groups + " groups: " + missing.size() + " missing " + first(missing) + ", " + duplicated.size()
          + " on two or more Pushgateways " + first(duplicated) + ", " + offOwner.size() + " off their owner "
          + first(offOwner) + ", " + stale.size() + " with an older (or unknown) value " + first(stale);
    }

    private static List<String> first(List<String> l) {
      return l.subList(0, Math.min(3, l.size()));
    }
  }
}
