package io.pushring.consul;

import io.pushring.testing.Await;
import io.pushring.testing.consul.ConsulFixture;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches Consul's passing set on a thread of its own (a poll every 10 ms), so a test can tell when
 * Consul itself stopped listing a service instance as passing: the earliest pushring can react.
 */
final class ConsulWatch {
  private final Thread thread;
  private final AtomicLong goneAt = new AtomicLong();
  private volatile boolean running = true;

  private ConsulWatch(ConsulFixture consul, String service, String id) {
    thread = new Thread(() -> {
      while (running && goneAt.get() == 0) {
        try {
          if (!consul.passingServiceIds(service).contains(id)) goneAt.set(System.nanoTime());
        } catch (RuntimeException e) {
          // a missed poll: the next one counts
        }
        Await.sleep(10);
      }
    }, "consul-watch");
    thread.setDaemon(true);
  }

  static ConsulWatch start(ConsulFixture consul, String service, String id) {
    ConsulWatch w = new ConsulWatch(consul, service, id);
    w.thread.start();
    return w;
  }

  /** nanoTime at which Consul stopped listing the id as passing; stops the watch. */
  long awaitGone(Duration timeout) {
    try {
      Await.until("Consul to stop listing the service as passing", timeout, () -> goneAt.get() != 0);
      return goneAt.get();
    } finally {
      running = false;
    }
  }
}
