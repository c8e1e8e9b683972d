package io.pushring.consul;

import io.pushring.config.Durations;
import io.pushring.config.HostPort;
import io.pushring.config.PushringConfig;
import java.time.Duration;

/**
 * The Consul connection as the discovery loop, the registrar and the reconciler's leader election use
 * it. {@code token} is the value of {@code consul.token} (a secret: {@link #toString()} hides it);
 * with {@code tokenFile} set, the token comes from that file through {@link ConsulToken} instead.
 */
public record ConsulSettings(String scheme, String host, int port, String token, String tokenFile,
                             PushringConfig.ConsulTls tls, String datacenter, String service, Duration blockingWait) {

  public static ConsulSettings from(PushringConfig config) {
    PushringConfig.Consul c = config.consul();
    HostPort hp = HostPort.parse(c.address(), "https".equals(c.scheme()) ? 8501 : 8500);
    return new ConsulSettings(c.scheme(), hp.host(), hp.port(), c.token(), c.tokenFile(), c.tls(), c.datacenter(),
        c.service(), c.blockingWait());
  }

  public boolean https() {
    return "https".equals(scheme);
  }

  public String address() {
    return new HostPort(host, port).authority();
  }

  /** Consul's wait syntax (a Go duration). */
  public String waitParameter() {
    return Durations.format(blockingWait);
  }

  /**
   * The HTTP timeout of a blocking query: Consul may hold it for wait plus up to wait/16 of jitter;
   * a margin on top tells a slow answer from a dead connection, which without a timeout would hang
   * the loop for ever.
   */
  public long httpTimeoutMillis() {
    long wait = blockingWait.toMillis();
    return wait + wait / 16 + 5_000;
  }

  @Override
  public String toString() {
    return "ConsulSettings[" + scheme + "://" + address() + ", token=" + (token.isEmpty() ? "none" : "(set)")
        + ", tokenFile=" + tokenFile + ", tls=" + tls + ", datacenter=" + datacenter + ", service=" + service
        + ", wait=" + waitParameter() + "]";
  }
}
