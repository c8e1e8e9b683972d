package io.pushring.testing.consul;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * The state of the single-node test Consul: services, their checks, and the raft-like indexes that
 * blocking queries wait on. Not thread-safe on purpose: it lives on one Vert.x context and is only
 * touched from there.
 *
 * <p>Indexes follow Consul's state store closely enough for clients: one global counter bumped by
 * every write that changes something; a per-service-name index (the {@code X-Consul-Index} of
 * {@code /v1/health/service/<name>} and {@code /v1/catalog/service/<name>}) set to the global index
 * on any change to an instance or a check of that service; and a "services" index for {@code
 * /v1/catalog/services}, bumped only when instances appear, change or disappear (check status does
 * not list there). A name that has no instance reports the "services" index, so a name's index never
 * goes backwards except through {@link #resetIndex(long)}, and is never 0.
 */
final class Catalog {
  static final String PASSING = "passing";
  static final String WARNING = "warning";
  static final String CRITICAL = "critical";

  /** One registered instance with its raft indexes. */
  record Instance(ServiceDefinition service, long createIndex, long modifyIndex) {}

  /** A check's current state; replaced (never mutated) on every change. */
  record CheckState(
      String checkId, String name, CheckDefinition definition, String serviceId, String serviceName,
      List<String> serviceTags, String status, String output, long createIndex, long modifyIndex,
      long criticalSinceNanos, Duration reapAfter) {

    CheckState withResult(String newStatus, String newOutput, long index, long nowNanos) {
      long since = CRITICAL.equals(newStatus)
          ? (CRITICAL.equals(status) ? criticalSinceNanos : nowNanos) : 0L;
      return new CheckState(checkId, name, definition, serviceId, serviceName, serviceTags, newStatus,
          newOutput, createIndex, index, since, reapAfter);
    }
  }

  /** What a registration did to the checks, so the agent can start and stop runners. */
  record RegisterResult(List<CheckState> startedOrReplaced, List<String> removedCheckIds) {}

  private final Map<String, Instance> instances = new TreeMap<>();
  private final Map<String, CheckState> checks = new TreeMap<>();
  private final Map<String, Long> nameIndex = new HashMap<>();
  private final Set<Runnable> listeners = new LinkedHashSet<>();
  private final Set<Runnable> abandonListeners = new LinkedHashSet<>();
  private final Duration minDeregisterAfter;
  private final LongSupplier nanoClock;
  private long index;
  private long servicesIndex;

  Catalog(long initialIndex, Duration minDeregisterAfter, LongSupplier nanoClock) {
    if (initialIndex < 1) {
      throw new IllegalArgumentException("a Consul index is never 0: " + initialIndex);
    }
    this.index = initialIndex;
    this.servicesIndex = initialIndex;
    this.minDeregisterAfter = minDeregisterAfter;
    this.nanoClock = nanoClock;
  }

  long index() {
    return index;
  }

  long servicesIndex() {
    return servicesIndex;
  }

  /** X-Consul-Index of the health and catalog queries for one service name. */
  long serviceIndex(String name) {
    Long own = nameIndex.get(name);
    return hasInstances(name) && own != null ? own : servicesIndex;
  }

  Collection<Instance> instances() {
    return instances.values();
  }

  Instance instance(String id) {
    return instances.get(id);
  }

  List<Instance> instancesOf(String name) {
    List<Instance> out = new ArrayList<>();
    for (Instance each : instances.values()) {
      if (each.service().name().equals(name)) {
        out.add(each);
      }
    }
    return out;
  }

  List<CheckState> checksOf(String serviceId) {
    List<CheckState> out = new ArrayList<>();
    for (CheckState each : checks.values()) {
      if (each.serviceId().equals(serviceId)) {
        out.add(each);
      }
    }
    return out;
  }

  CheckState check(String checkId) {
    return checks.get(checkId);
  }

  Collection<CheckState> checks() {
    return checks.values();
  }

  /** Service name to its tags (union over instances, sorted), for /v1/catalog/services. */
  Map<String, Set<String>> serviceTags() {
    Map<String, Set<String>> out = new TreeMap<>();
    for (Instance each : instances.values()) {
      out.computeIfAbsent(each.service().name(), n -> new TreeSet<>()).addAll(each.service().tags());
    }
    return out;
  }

  /**
   * Adds or replaces an instance. Consul keeps the status and output of a check that existed under
   * the same CheckID ("to avoid potential flapping"); other checks of the instance stay unless
   * {@code replaceExistingChecks}.
   */
  RegisterResult register(ServiceDefinition service, boolean replaceExistingChecks) {
    Instance previous = instances.get(service.id());
    boolean changed = !service.sameInstance(previous == null ? null : previous.service());
    long next = index + 1;
    List<CheckState> started = new ArrayList<>();
    Set<String> kept = new LinkedHashSet<>();
    long now = nanoClock.getAsLong();
    for (int i = 0; i < service.checks().size(); i++) {
      CheckDefinition def = service.checks().get(i);
      String checkId = !def.checkId().isEmpty() ? def.checkId()
          : "service:" + service.id() + (service.checks().size() > 1 ? ":" + (i + 1) : "");
      String name = def.name().isEmpty() ? "Service '" + service.name() + "' check" : def.name();
      CheckState old = checks.get(checkId);
      String status = old != null ? old.status() : def.status().isEmpty() ? CRITICAL : def.status();
      String output = old != null ? old.output() : "";
      long since = !CRITICAL.equals(status) ? 0L
          : old != null && old.criticalSinceNanos() != 0 ? old.criticalSinceNanos() : now;
      Duration reapAfter = reapAfter(def);
      CheckState state = new CheckState(checkId, name, def, service.id(), service.name(),
          service.tags(), status, output, old == null ? next : old.createIndex(), next, since, reapAfter);
      changed |= old == null || !old.status().equals(status) || !old.name().equals(name)
          || !old.serviceTags().equals(service.tags());
      checks.put(checkId, state);
      started.add(state);
      kept.add(checkId);
    }
    List<String> removed = new ArrayList<>();
    for (CheckState each : List.copyOf(checks.values())) {
      boolean stale = each.serviceId().equals(service.id()) && !kept.contains(each.checkId());
      if (stale && replaceExistingChecks) {
        checks.remove(each.checkId());
        removed.add(each.checkId());
        changed = true;
      }
    }
    if (changed) {
      index = next;
      long create = previous == null ? next : previous.createIndex();
      instances.put(service.id(), new Instance(service, create, next));
      nameIndex.put(service.name(), next);
      if (previous != null && !previous.service().name().equals(service.name())) {
        nameIndex.put(previous.service().name(), next);
      }
      servicesIndex = next;
      fire();
    } else {
      // same catalog entry: keep its indexes, but remember the new check definitions
      instances.put(service.id(), new Instance(service, previous.createIndex(), previous.modifyIndex()));
    }
    return new RegisterResult(started, removed);
  }

  /** Removes an instance and its checks; returns the removed check IDs, or null if unknown. */
  List<String> deregister(String serviceId) {
    Instance gone = instances.remove(serviceId);
    if (gone == null) {
      return null;
    }
    List<String> removed = new ArrayList<>();
    checks.values().removeIf(c -> {
      boolean mine = c.serviceId().equals(serviceId);
      if (mine) {
        removed.add(c.checkId());
      }
      return mine;
    });
    index++;
    nameIndex.put(gone.service().name(), index);
    servicesIndex = index;
    fire();
    return removed;
  }

  /**
   * Records a check result. Only a status change is a write (bumps indexes, wakes blocked queries):
   * real Consul defers output-only changes by {@code check_update_interval} (5 min), so clients do
   * not see them promptly either. Returns true when the status changed.
   */
  boolean updateCheck(String checkId, String status, String output) {
    CheckState old = checks.get(checkId);
    if (old == null) {
      return false;
    }
    long now = nanoClock.getAsLong();
    if (old.status().equals(status)) {
      checks.put(checkId, old.withResult(status, output, old.modifyIndex(), now));
      return false;
    }
    index++;
    checks.put(checkId, old.withResult(status, output, index, now));
    nameIndex.put(old.serviceName(), index);
    fire();
    return true;
  }

  /** Service IDs whose reapable check has been critical for longer than its reap timeout. */
  List<String> reapable() {
    long now = nanoClock.getAsLong();
    Set<String> out = new LinkedHashSet<>();
    for (CheckState each : checks.values()) {
      boolean reapable = !each.reapAfter().isZero() && CRITICAL.equals(each.status())
          && each.criticalSinceNanos() != 0
          && now - each.criticalSinceNanos() > each.reapAfter().toNanos();
      if (reapable) {
        out.add(each.serviceId());
      }
    }
    return List.copyOf(out);
  }

  /**
   * A raft snapshot restore: every index drops to {@code to} and grows from there, and every blocked
   * query is released at once (Consul closes the abandoned state store's watch channel).
   */
  void resetIndex(long to) {
    if (to < 1) {
      throw new IllegalArgumentException("a Consul index is never 0: " + to);
    }
    index = to;
    servicesIndex = to;
    nameIndex.replaceAll((name, old) -> to);
    abandon();
  }

  /** Called after every write; the listener re-checks its own condition. */
  void addListener(Runnable listener) {
    listeners.add(listener);
  }

  void removeListener(Runnable listener) {
    listeners.remove(listener);
  }

  /** Called (once per registration) when the store is abandoned, i.e. on an index reset. */
  void addAbandonListener(Runnable listener) {
    abandonListeners.add(listener);
  }

  void removeAbandonListener(Runnable listener) {
    abandonListeners.remove(listener);
  }

  private void abandon() {
    List<Runnable> copy = List.copyOf(abandonListeners);
    abandonListeners.clear();
    copy.forEach(Runnable::run);
  }

  private void fire() {
    List.copyOf(listeners).forEach(Runnable::run);
  }

  private boolean hasInstances(String name) {
    for (Instance each : instances.values()) {
      if (each.service().name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private Duration reapAfter(CheckDefinition def) {
    Duration asked = def.deregisterCriticalServiceAfter();
    if (asked.isZero() || asked.isNegative()) {
      return Duration.ZERO;
    }
    // Consul raises it to check_deregister_interval_min (1m) with a warning
    return asked.compareTo(minDeregisterAfter) < 0 ? minDeregisterAfter : asked;
  }
}
