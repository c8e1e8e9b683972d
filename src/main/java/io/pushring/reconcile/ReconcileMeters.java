package io.pushring.reconcile;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * {@code pushring_reconcile_*}: passes by result, what they did, how long they took, and what the
 * last one saw. Written from the reconciler verticle's event loop only.
 */
final class ReconcileMeters {
  private final Counter passesOk;
  private final Counter passesAborted;
  private final Counter passesFailed;
  private final Counter deleted;
  private final Counter migrated;
  private final Counter errors;
  private final Timer duration;
  private final AtomicLong scanned = new AtomicLong();
  private final AtomicLong waiting = new AtomicLong();
  private final AtomicLong offOwner = new AtomicLong();
  private final AtomicLong lastPassMillis = new AtomicLong();

  /** @param leader whether this instance runs the passes now (read at scrape time, from any thread) */
  ReconcileMeters(MeterRegistry registry, boolean dryRun, BooleanSupplier leader) {
    passesOk = passes(registry, "ok");
    passesAborted = passes(registry, "aborted");
    passesFailed = passes(registry, "failed");
    deleted = Counter.builder("pushring.reconcile.deleted").description("Stale group copies deleted").register(registry);
    migrated = Counter.builder("pushring.reconcile.migrated").description("Groups moved to their owner").register(registry);
    errors = Counter.builder("pushring.reconcile.errors").description("Failed reads or writes during passes").register(registry);
    duration = Timer.builder("pushring.reconcile.duration").description("Duration of reconcile passes").register(registry);
    Gauge.builder("pushring.reconcile.groups.scanned", scanned, AtomicLong::get)
        .description("Group copies read by the last pass").register(registry);
    Gauge.builder("pushring.reconcile.groups.waiting", waiting, AtomicLong::get)
        .description("Groups off their owner that the last pass left to become quiet").register(registry);
    Gauge.builder("pushring.reconcile.groups.off.owner", offOwner, AtomicLong::get)
        .description("Deletes and migrations the last pass planned").register(registry);
    Gauge.builder("pushring.reconcile.last.pass.timestamp", lastPassMillis, v -> v.get() / 1000.0)
        .description("Unix time the last pass ended, seconds").baseUnit("seconds").register(registry);
    Gauge.builder("pushring.reconcile.dry.run", () -> dryRun ? 1 : 0)
        .description("1 when the reconciler only plans (reconcile.dry-run)").register(registry);
    Gauge.builder("pushring.reconcile.leader", () -> leader.getAsBoolean() ? 1 : 0)
        .description("1 while this instance runs the reconcile passes (Consul mode: holds the lock; static mode: always)")
        .register(registry);
  }

  private static Counter passes(MeterRegistry registry, String result) {
    return Counter.builder("pushring.reconcile.passes").tag("result", result)
        .description("Reconcile passes by result (aborted: the ring changed, or leadership was lost, during the pass)").register(registry);
  }

  void record(PassReport r) {
    (r.aborted().isEmpty() ? passesOk : passesAborted).increment();
    deleted.increment(r.deleted());
    migrated.increment(r.migrated());
    errors.increment(r.errors().size() + r.unreadable().size());
    duration.record(Duration.ofMillis(r.durationMillis()));
    scanned.set(r.plan().groupsScanned());
    waiting.set(r.plan().waiting());
    offOwner.set(r.plan().deletes().size() + r.plan().migrations().size());
    lastPassMillis.set(r.startedAtMillis() + r.durationMillis());
  }

  void failed() {
    passesFailed.increment();
  }
}
