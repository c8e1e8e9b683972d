package io.pushring.consul;

import io.pushring.bus.AdmittedSet;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.consul.BlockingQueryOptions;
import io.vertx.ext.consul.ConsulClient;
import io.vertx.ext.consul.KeyValue;

/**
 * The admitted set in Consul KV (key {@code consul.admitted-key}): written by the reconciling
 * instance, watched by every instance. The same Vert.x Consul client, settings and timeout as the
 * discovery loop ({@link ConsulSettings#clientOptions()}: token, datacenter, scheme, an HTTP timeout
 * above a blocking wait).
 */
public final class AdmissionStore {
  /** One read of the key: the set (null when the key does not exist) and the index to block on next. */
  public record Read(AdmittedSet set, long index) {}

  private final ConsulClient consul;
  private final ConsulSettings settings;
  private final String key;

  public AdmissionStore(Vertx vertx, ConsulSettings settings, String key) {
    this.consul = ConsulClient.create(vertx, settings.clientOptions());
    this.settings = settings;
    this.key = key;
  }

  public String key() {
    return key;
  }

  /** Writes the set (JSON, {@link AdmittedSet#toJson()}); fails if Consul does not accept it. */
  public Future<Void> put(AdmittedSet set) {
    return consul.putValue(key, set.toJson().encode()).compose(ok -> ok ? Future.<Void>succeededFuture()
        : Future.failedFuture("Consul refused the write of " + key));
  }

  /**
   * Reads the key, blocking while its index is still {@code index} when {@code index.blocks()}. A
   * missing key comes back with no index (the client hides Consul's header on a 404): the caller
   * cannot block on it and polls at its token bucket's pace until the reconciler first writes it.
   * A value that is not an admitted set fails the read.
   */
  public Future<Read> read(BlockingIndex index) {
    Future<KeyValue> answer = index.blocks()
        ? consul.getValueWithOptions(key, new BlockingQueryOptions().setIndex(index.value()).setWait(settings.waitParameter()))
        : consul.getValue(key);
    return answer.map(kv -> kv == null || !kv.isPresent() || kv.getValue() == null
        ? new Read(null, 0)
        : new Read(AdmittedSet.fromJson(kv.getValue()), kv.getModifyIndex()));
  }

  public void close() {
    consul.close();
  }
}
