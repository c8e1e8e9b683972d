package io.pushring.discovery;

import io.pushring.bus.AdmittedSet;
import io.pushring.config.PushringConfig;
import io.pushring.consul.AdmissionStore;
import io.pushring.consul.BlockingIndex;
import io.pushring.consul.ConsulLink;
import io.pushring.consul.TokenBucket;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consul mode with {@code reconcile.enabled}: a blocking-query loop on the KV key
 * {@code consul.admitted-key} that puts each admitted set the reconciling instance publishes into
 * this instance's LocalMap ({@link AdmittedSet#publish}), where {@code GET /sd/pushgateways} reads
 * it: every instance answers Prometheus alike. The discovery loop's rules and parts: {@link
 * BlockingIndex}, a {@link TokenBucket} (burst 2, 1/s) in front of every query, the discovery
 * backoff on errors; on errors the last set stays (a Consul outage must not empty the scrape).
 */
public final class AdmissionWatchVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AdmissionWatchVerticle.class);

  private final ConsulLink link;
  private final String key;
  private AdmissionStore store;
  private TokenBucket bucket;
  private BlockingIndex index = BlockingIndex.NONE;
  private int failures;
  private boolean stopped;
  private long timer = -1;

  public AdmissionWatchVerticle(PushringConfig config, ConsulLink link) {
    this.link = link;
    this.key = config.consul().admittedKvKey();
  }

  @Override
  public Future<?> start() {
    store = new AdmissionStore(vertx, link, key);
    bucket = new TokenBucket(ConsulDiscoveryVerticle.BUCKET_BURST, ConsulDiscoveryVerticle.BUCKET_PER_SECOND, System.nanoTime());
    LOG.info("watching Consul KV {} for the Pushgateways Prometheus may scrape", key);
    poll();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timer >= 0) vertx.cancelTimer(timer);
    store.close();
    return Future.succeededFuture();
  }

  private void poll() {
    timer = -1;
    if (stopped) return;
    long waitNanos = bucket.tryTake(System.nanoTime());
    if (waitNanos > 0) {
      later(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)));
      return;
    }
    store.read(failures == 0 ? index : BlockingIndex.NONE).onComplete(ar -> {
      if (stopped) return;
      if (ar.succeeded()) {
        if (failures > 0) LOG.info("Consul KV {} answers again after {} failed reads", key, failures);
        failures = 0;
        AdmissionStore.Read read = ar.result();
        index = index.next(read.index());
        if (read.set() != null && !read.set().equals(AdmittedSet.current(vertx))) AdmittedSet.publish(vertx, read.set());
        poll();
      } else {
        failures++;
        if (failures == 1) LOG.warn("reading Consul KV {} failed, keeping the last admitted set: {}", key, io.pushring.consul.ConsulApi.describe(ar.cause()));
        later(ConsulDiscoveryVerticle.BACKOFF.delayMillis(failures, ThreadLocalRandom.current()::nextDouble));
      }
    });
  }

  private void later(long millis) {
    timer = vertx.setTimer(millis, t -> poll());
  }
}
