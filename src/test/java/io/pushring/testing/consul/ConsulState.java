package io.pushring.testing.consul;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What the single node of {@link ConsulTestServer} knows: services with their HTTP checks, sessions
 * and the KV store, with the raft indexes blocking queries wait on. Not thread-safe on purpose: it
 * lives on the server's one Vert.x context.
 *
 * <p>Indexes, as Consul 1.4's state store reports them: one global counter bumped by every write; a
 * per-service-name index for {@code /v1/health/service/<name>} and {@code /v1/catalog/service/<name>}
 * (a name without instances reports the services index); a services index for {@code
 * /v1/catalog/services}; a KV key reports its ModifyIndex, a missing key the KV table index, a
 * prefix the highest ModifyIndex or tombstone under it; sessions report the sessions table index.
 * Every write names a topic ({@code service:<name>}, {@code kv:<key>}, {@code session}), and a
 * blocked query wakes only on its own topics, as Consul's memdb watches do.
 */
final class ConsulState {
  static final String PASSING = "passing";
  static final String WARNING = "warning";
  static final String CRITICAL = "critical";
  static final String SERF_HEALTH = "serfHealth";

  record Service(String id, String name, List<String> tags, String address, int port, Map<String, String> meta,
      long createIndex, long modifyIndex) {
    boolean sameAs(Service o) {
      return o != null && id.equals(o.id) && name.equals(o.name) && tags.equals(o.tags) && address.equals(o.address)
          && port == o.port && meta.equals(o.meta);
    }
  }

  /** An HTTP check as registered (interval, timeout and reap delay already floored). */
  record CheckDef(String id, String name, String http, String method, Duration interval, Duration timeout,
      Duration deregisterAfter, String initialStatus) {}

  record Check(CheckDef def, String serviceId, String serviceName, String status, String output,
      long criticalSinceNanos, long createIndex, long modifyIndex) {}

  record Session(String id, String name, String node, List<String> checks, Duration lockDelay, String behavior,
      String ttl, long createIndex, long modifyIndex) {}

  record Entry(String key, byte[] value, long flags, String session, long lockIndex, long createIndex,
      long modifyIndex) {}

  /** Thrown with the text Consul answers (HTTP 500, the RPC error). */
  static final class RpcError extends RuntimeException {
    RpcError(String message) {
      super(message, null, false, false);
    }
  }

  /** The outcome of a registration, so the server can start and stop check runners. */
  record Registered(List<CheckDef> started, List<String> removedCheckIds) {}

  private final String nodeName;
  private final LongSupplier nanoClock;
  private final Map<String, Service> services = new TreeMap<>();
  private final Map<String, Check> checks = new TreeMap<>();
  private final Map<String, Session> sessions = new TreeMap<>();
  private final TreeMap<String, Entry> kv = new TreeMap<>();
  private final Map<String, Long> tombstones = new HashMap<>();
  /** Key -> nanoTime before which no session may acquire it (lock-delay after an invalidation). */
  private final Map<String, Long> lockDelayUntil = new HashMap<>();
  private final Map<String, Long> nameIndex = new HashMap<>();
  private final Set<Consumer<String>> listeners = new LinkedHashSet<>();
  private final Set<Runnable> abandonListeners = new LinkedHashSet<>();
  /** Told the ID of every session that is gone, so the server can cancel its TTL timer. */
  private Consumer<String> sessionGone = id -> { };
  private long index = 1;
  private long servicesIndex = 1;
  private long kvIndex = 1;
  private long sessionsIndex = 1;

  ConsulState(String nodeName, LongSupplier nanoClock) {
    this.nodeName = nodeName;
    this.nanoClock = nanoClock;
  }

  void onSessionGone(Consumer<String> listener) {
    this.sessionGone = listener;
  }

  String nodeName() {
    return nodeName;
  }

  long index() {
    return index;
  }

  // ---- services and checks ----

  long servicesIndex() {
    return servicesIndex;
  }

  long serviceIndex(String name) {
    Long own = nameIndex.get(name);
    return own != null && !instancesOf(name).isEmpty() ? own : servicesIndex;
  }

  List<Service> services() {
    return List.copyOf(services.values());
  }

  Service service(String id) {
    return services.get(id);
  }

  List<Service> instancesOf(String name) {
    return services.values().stream().filter(s -> s.name().equals(name)).toList();
  }

  List<Check> checksOf(String serviceId) {
    return checks.values().stream().filter(c -> c.serviceId().equals(serviceId)).toList();
  }

  Check check(String id) {
    return checks.get(id);
  }

  /** Service name -> union of its instances' tags. */
  Map<String, Set<String>> serviceTags() {
    Map<String, Set<String>> out = new TreeMap<>();
    for (Service s : services.values()) out.computeIfAbsent(s.name(), n -> new TreeSet<>()).addAll(s.tags());
    return out;
  }

  /**
   * Adds or replaces an instance; a check that existed under the same ID keeps its status (Consul
   * does so "to avoid flapping"), the instance's other checks go. An identical re-registration is
   * not a write.
   */
  Registered register(Service asked, List<CheckDef> defs) {
    Service previous = services.get(asked.id());
    boolean changed = !asked.sameAs(previous);
    long next = index + 1;
    long now = nanoClock.getAsLong();
    Set<String> kept = new LinkedHashSet<>();
    List<CheckDef> started = new ArrayList<>();
    for (CheckDef def : defs) {
      Check old = checks.get(def.id());
      String status = old != null ? old.status() : def.initialStatus();
      long since = CRITICAL.equals(status) ? (old != null && old.criticalSinceNanos() != 0 ? old.criticalSinceNanos() : now) : 0;
      changed |= old == null || !old.def().equals(def);
      checks.put(def.id(), new Check(def, asked.id(), asked.name(), status, old == null ? "" : old.output(), since,
          old == null ? next : old.createIndex(), next));
      kept.add(def.id());
      started.add(def);
    }
    List<String> removed = new ArrayList<>();
    for (Check c : List.copyOf(checks.values())) {
      if (c.serviceId().equals(asked.id()) && !kept.contains(c.def().id())) {
        checks.remove(c.def().id());
        removed.add(c.def().id());
        changed = true;
      }
    }
    if (changed) {
      index = next;
      services.put(asked.id(), new Service(asked.id(), asked.name(), asked.tags(), asked.address(), asked.port(),
          asked.meta(), previous == null ? next : previous.createIndex(), next));
      nameIndex.put(asked.name(), next);
      if (previous != null) nameIndex.put(previous.name(), next);
      servicesIndex = next;
      fire("service:" + asked.name());
      if (previous != null && !previous.name().equals(asked.name())) fire("service:" + previous.name());
    }
    removed.forEach(this::invalidateSessionsOnCheck);
    return new Registered(started, removed);
  }

  /** Removes an instance and its checks; returns the removed check IDs, or null if unknown. */
  List<String> deregister(String serviceId) {
    Service gone = services.remove(serviceId);
    if (gone == null) return null;
    List<String> removed = new ArrayList<>();
    checks.values().removeIf(c -> {
      if (c.serviceId().equals(serviceId)) removed.add(c.def().id());
      return c.serviceId().equals(serviceId);
    });
    index++;
    nameIndex.put(gone.name(), index);
    servicesIndex = index;
    fire("service:" + gone.name());
    removed.forEach(this::invalidateSessionsOnCheck);
    return removed;
  }

  /**
   * A check result. Only a status change is a write: Consul syncs output-only changes to the catalog
   * after check_update_interval (5 min), so health queries show the output of the last status change.
   */
  void updateCheck(String checkId, String status, String output) {
    Check old = checks.get(checkId);
    if (old == null) return;
    long since = CRITICAL.equals(status) ? nanoClock.getAsLong() : 0;
    if (old.status().equals(status)) {
      return; // the catalog keeps the old output too (an empty one after registration), as Consul's does
    }
    index++;
    checks.put(checkId, new Check(old.def(), old.serviceId(), old.serviceName(), status, output, since,
        old.createIndex(), index));
    nameIndex.put(old.serviceName(), index);
    fire("service:" + old.serviceName());
    if (CRITICAL.equals(status)) invalidateSessionsOnCheck(checkId);
  }

  /** Services whose check has been critical longer than its DeregisterCriticalServiceAfter. */
  List<String> reapable() {
    long now = nanoClock.getAsLong();
    Set<String> out = new LinkedHashSet<>();
    for (Check c : checks.values()) {
      Duration after = c.def().deregisterAfter();
      if (!after.isZero() && c.criticalSinceNanos() != 0 && now - c.criticalSinceNanos() > after.toNanos()) {
        out.add(c.serviceId());
      }
    }
    return List.copyOf(out);
  }

  // ---- sessions ----

  long sessionsIndex() {
    return sessionsIndex;
  }

  List<Session> sessions() {
    return List.copyOf(sessions.values());
  }

  Session session(String id) {
    return sessions.get(id);
  }

  /** Consul's Session.Apply(create) checks, in its order and wording. */
  Session createSession(String name, String node, List<String> sessionChecks, Duration lockDelay, String behavior,
      String ttl) {
    if (node.isEmpty()) throw new RpcError("Must provide Node");
    if (!node.equals(nodeName)) throw new RpcError("Missing node registration");
    for (String checkId : sessionChecks) {
      if (checkId.equals(SERF_HEALTH)) continue;
      Check c = checks.get(checkId);
      if (c == null) throw new RpcError("Missing check '" + checkId + "' registration");
      if (CRITICAL.equals(c.status())) throw new RpcError("Check '" + checkId + "' is in critical state");
    }
    index++;
    sessionsIndex = index;
    Session s = new Session(UUID.randomUUID().toString(), name, node, List.copyOf(sessionChecks), lockDelay, behavior,
        ttl, index, index);
    sessions.put(s.id(), s);
    fire("session");
    return s;
  }

  /**
   * Invalidates a session (destroy, TTL expiry, a critical or removed check): every key it holds is
   * released (behavior release) or deleted (behavior delete), and none of them can be acquired
   * again for the session's lock-delay.
   */
  void destroySession(String id) {
    Session s = sessions.remove(id);
    if (s == null) return;
    index++;
    sessionsIndex = index;
    long now = nanoClock.getAsLong();
    for (Entry e : List.copyOf(kv.values())) {
      if (!id.equals(e.session())) continue;
      if (!s.lockDelay().isZero()) lockDelayUntil.put(e.key(), now + s.lockDelay().toNanos());
      if ("delete".equals(s.behavior())) {
        kv.remove(e.key());
        tombstones.put(e.key(), index);
      } else {
        kv.put(e.key(), new Entry(e.key(), e.value(), e.flags(), null, e.lockIndex(), e.createIndex(), index));
      }
      kvIndex = index;
      fire("kv:" + e.key());
    }
    fire("session");
    sessionGone.accept(id);
  }

  private void invalidateSessionsOnCheck(String checkId) {
    for (Session s : List.copyOf(sessions.values())) {
      if (s.checks().contains(checkId)) destroySession(s.id());
    }
  }

  // ---- KV ----

  long kvIndex() {
    return kvIndex;
  }

  Entry entry(String key) {
    return kv.get(key);
  }

  List<Entry> entries(String prefix) {
    return List.copyOf(kv.subMap(prefix, true, prefix + Character.MAX_VALUE, false).values());
  }

  /** A key's index: its ModifyIndex, else the KV table index. */
  long keyIndex(String key) {
    Entry e = kv.get(key);
    return e != null ? e.modifyIndex() : kvIndex;
  }

  /** A prefix's index: highest ModifyIndex or tombstone under it, else the table index. */
  long prefixIndex(String prefix) {
    long max = 0;
    for (Entry e : entries(prefix)) max = Math.max(max, e.modifyIndex());
    if (prefix.isEmpty()) return kvIndex;
    for (Map.Entry<String, Long> t : tombstones.entrySet()) {
      if (t.getKey().startsWith(prefix)) max = Math.max(max, t.getValue());
    }
    return max != 0 ? max : kvIndex;
  }

  /** {@code PUT /v1/kv/<key>} with optional {@code cas}; false when the CAS index does not match. */
  boolean put(String key, byte[] value, long flags, Long cas) {
    Entry old = kv.get(key);
    if (cas != null && (cas == 0 ? old != null : old == null || old.modifyIndex() != cas)) return false;
    write(key, value, flags, old == null ? null : old.session(), old == null ? 0 : old.lockIndex(), old);
    return true;
  }

  /**
   * {@code ?acquire=<session>}: Consul's KVSLock. False while the key's lock-delay runs or another
   * session holds it; the holder itself may acquire again (value updated, LockIndex kept).
   */
  boolean acquire(String key, byte[] value, long flags, String sessionId) {
    Long until = lockDelayUntil.get(key);
    if (until != null && nanoClock.getAsLong() < until) return false;
    if (!sessions.containsKey(sessionId)) throw new RpcError("invalid session \"" + sessionId + "\"");
    Entry old = kv.get(key);
    if (old != null && old.session() != null && !old.session().equals(sessionId)) return false;
    long lockIndex = old == null ? 1 : old.session() != null ? old.lockIndex() : old.lockIndex() + 1;
    write(key, value, flags, sessionId, lockIndex, old);
    return true;
  }

  /** {@code ?release=<session>}: Consul's KVSUnlock; false unless that session holds the key. */
  boolean release(String key, byte[] value, long flags, String sessionId) {
    Entry old = kv.get(key);
    if (old == null || old.session() == null || !old.session().equals(sessionId)) return false;
    write(key, value, flags, null, old.lockIndex(), old);
    return true;
  }

  /** {@code DELETE /v1/kv/<key>} (optionally the whole prefix); false when the CAS index does not match. */
  boolean delete(String key, boolean recurse, Long cas) {
    List<Entry> gone = recurse ? entries(key) : kv.containsKey(key) ? List.of(kv.get(key)) : List.of();
    if (cas != null && !recurse && (gone.isEmpty() || gone.get(0).modifyIndex() != cas)) return false;
    if (gone.isEmpty()) return true;
    index++;
    kvIndex = index;
    for (Entry e : gone) {
      kv.remove(e.key());
      tombstones.put(e.key(), index);
      fire("kv:" + e.key());
    }
    return true;
  }

  private void write(String key, byte[] value, long flags, String session, long lockIndex, Entry old) {
    index++;
    kvIndex = index;
    kv.put(key, new Entry(key, value, flags, session, lockIndex, old == null ? index : old.createIndex(), index));
    fire("kv:" + key);
  }

  // ---- blocking queries ----

  /** A raft snapshot restore: every index drops to {@code to}; every blocked query is released. */
  void resetIndex(long to) {
    if (to < 1) throw new IllegalArgumentException("a Consul index is never 0: " + to);
    index = to;
    servicesIndex = to;
    kvIndex = to;
    sessionsIndex = to;
    nameIndex.replaceAll((name, old) -> to);
    List<Runnable> copy = List.copyOf(abandonListeners);
    abandonListeners.clear();
    copy.forEach(Runnable::run);
  }

  /** Told the topic of every write. */
  void addListener(Consumer<String> listener) {
    listeners.add(listener);
  }

  void removeListener(Consumer<String> listener) {
    listeners.remove(listener);
  }

  void addAbandonListener(Runnable listener) {
    abandonListeners.add(listener);
  }

  void removeAbandonListener(Runnable listener) {
    abandonListeners.remove(listener);
  }

  private void fire(String topic) {
    for (Consumer<String> l : List.copyOf(listeners)) l.accept(topic);
  }
}
