package io.pushring.consul;

import io.pushring.config.Durations;
import io.pushring.config.HostPort;
import io.pushring.config.PushringConfig;
import io.vertx.ext.consul.ConsulClientOptions;
import java.time.Duration;

/** The Consul connection as the discovery loop, the registrar and the reconciler's leader election use it. */
public record ConsulSettings(String scheme, String host, int port, String token, String datacenter,
                             String service, Duration blockingWait) {

  public static ConsulSettings from(PushringConfig config) {
    PushringConfig.Consul c = config.consul();
    HostPort hp = HostPort.parse(c.address(), "https".equals(c.scheme()) ? 8501 : 8500);
    return new ConsulSettings(c.scheme(), hp.host(), hp.port(), c.token(), c.datacenter(), c.service(), c.blockingWait());
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

  public ConsulClientOptions clientOptions() {
    ConsulClientOptions options = new ConsulClientOptions()
        .setHost(host)
        .setPort(port)
        .setTimeout(httpTimeoutMillis());
    options.setSsl("https".equals(scheme));
    if (!token.isEmpty()) options.setAclToken(token);
    if (!datacenter.isEmpty()) options.setDc(datacenter);
    return options;
  }
}
