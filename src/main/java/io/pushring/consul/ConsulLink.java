package io.pushring.consul;

import io.pushring.config.PushringConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Everything a Consul request needs, built once per pushring: the settings, the TLS material read
 * from {@code consul.tls.*} and the {@link ConsulToken} (watched when it comes from a file). Every
 * part that talks to Consul (discovery, registrar, admission store and watch, leader election) gets
 * its client from here ({@link ConsulApi#create}), so none can miss the scheme, TLS or token.
 */
public final class ConsulLink {
  private final Vertx vertx;
  private final ConsulSettings settings;
  private final ConsulTls tls;
  private final ConsulToken token;

  private ConsulLink(Vertx vertx, ConsulSettings settings, ConsulTls tls, ConsulToken token) {
    this.vertx = vertx;
    this.settings = settings;
    this.tls = tls;
    this.token = token;
  }

  /** Reads the token file and the certificates on a worker; fails with a message naming the key. */
  public static Future<ConsulLink> open(Vertx vertx, PushringConfig config) {
    ConsulSettings settings = ConsulSettings.from(config);
    return vertx.executeBlocking(() -> ConsulTls.load(settings))
        .compose(tls -> ConsulToken.open(vertx, settings).map(token -> {
          token.watch(vertx);
          return new ConsulLink(vertx, settings, tls, token);
        }));
  }

  public Vertx vertx() {
    return vertx;
  }

  public ConsulSettings settings() {
    return settings;
  }

  public ConsulTls tls() {
    return tls;
  }

  public ConsulToken token() {
    return token;
  }

  public void close() {
    token.stopWatching(vertx);
  }

  @Override
  public String toString() {
    return "ConsulLink[" + settings + ", " + token + "]";
  }
}
