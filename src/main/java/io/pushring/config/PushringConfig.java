package io.pushring.config;

import java.time.Duration;
import java.util.List;

/**
 * The whole validated configuration, an immutable value. Built only by {@link ConfigLoader}, which
 * applies defaults, environment overrides and validation. Keys mirror {@code conf/pushring.yaml}.
 */
public record PushringConfig(
    Http http,
    Router router,
    PlacementConf placement,
    Discovery discovery,
    Consul consul,
    Pushgateways pushgateways,
    Tap tap,
    AccessLog accessLog,
    Reconcile reconcile) {

  /**
   * {@code idleTimeout}: a connection on which no request head or body chunk completes and nothing
   * is written for this long is closed; {@link Duration#ZERO} = never. {@code webConfigFile}: the
   * Prometheus web configuration of the listener, "" = none (see {@code io.pushring.web}).
   * {@code admin}: the operators' listener ({@code host:port}), "" = none (every endpoint on {@code port});
   * {@code adminWebConfigFile}: its own web configuration, "" = none (plain HTTP, no auth).
   * {@code transport}: the Netty transport asked for; the one that runs is chosen at start ({@code io.pushring.Transports}).
   */
  public record Http(String host, int port, Duration idleTimeout, String webConfigFile, String admin,
                     String adminWebConfigFile, Transport transport) {
    /** Without a web configuration file or an admin listener. */
    public Http(String host, int port, Duration idleTimeout) {
      this(host, port, idleTimeout, "", "", "", Transport.AUTO);
    }

    /** Without an admin listener. */
    public Http(String host, int port, Duration idleTimeout, String webConfigFile) {
      this(host, port, idleTimeout, webConfigFile, "", "", Transport.AUTO);
    }

    /** The same with another web configuration file ({@code --web.config.file} wins over the key). */
    public Http withWebConfigFile(String file) {
      return new Http(host, port, idleTimeout, file, admin, adminWebConfigFile, transport);
    }

    public boolean hasAdmin() {
      return !admin.isEmpty();
    }
  }

  public enum RouterMode { AUTO, REDIRECT, PROXY }

  /**
   * {@code http.transport}: Netty's I/O transport for every socket of the Vert.x instance (listeners and
   * the clients to Pushgateways and Consul). Names as Netty and Vert.x spell them.
   */
  public enum Transport {
    AUTO, EPOLL, IO_URING, NIO;

    public String configName() { return name().toLowerCase(java.util.Locale.ROOT); }
  }

  /**
   * {@code instances == 0} means one router verticle per core. {@code redirectUserAgents}: User-Agent
   * prefixes that auto mode redirects; {@code maxBody}, {@code proxyBuffer}: bytes, proxy mode.
   */
  public record Router(RouterMode mode, int redirectStatus, int instances, Duration retryAfter,
                       List<String> redirectUserAgents, int maxBody, Duration proxyTimeout,
                       int proxyBuffer, Duration uploadTimeout, Handover handover) {
    public Router { redirectUserAgents = List.copyOf(redirectUserAgents); }
  }

  /**
   * What routers do about copies a ring change leaves behind ({@code router.handover-*}):
   * {@code window}: how long after a change a push of a moved key first removes the copy on its
   * previous owner ({@link Duration#ZERO} = never); {@code timeout}: longest wait for one such DELETE
   * (and for each DELETE a client's DELETE fans out); {@code maxKeys}: moved keys remembered per router
   * verticle and change.
   */
  public record Handover(Duration window, Duration timeout, int maxKeys) {}

  public record PlacementConf(PlacementKey key) {}

  /**
   * {@code placement.key}: a name only. The rule behind it is {@code ring.Placement}, which the
   * configuration model does not depend on; {@code ArchitectureTest} keeps the two lists equal.
   */
  public enum PlacementKey {
    GROUPING_KEY("grouping-key"), DYNAMIC_SHARDING("dynamic-sharding");

    private final String configName;

    PlacementKey(String configName) { this.configName = configName; }

    public String configName() { return configName; }
  }

  public enum DiscoveryMode { CONSUL, STATIC }

  /** What discovery does when Consul reports no passing Pushgateway at all. */
  public enum OnEmpty { KEEP_LAST, EMPTY }

  /** {@code staticMembers}: {@code host:port} strings, validated. */
  public record Discovery(DiscoveryMode mode, List<String> staticMembers, OnEmpty onEmpty) {
    public Discovery { staticMembers = List.copyOf(staticMembers); }

    public boolean keepLastWhenEmpty() { return onEmpty == OnEmpty.KEEP_LAST; }
  }

  /** {@code admittedKey}: as configured, "" = the default; {@link #admittedKvKey()} is the key used. */
  /**
   * {@code token} is a secret: {@link #toString()} never shows it (a config printed in a log or an
   * error must not carry it), only whether one is set.
   */
  public record Consul(String address, String scheme, String token, String tokenFile, ConsulTls tls, String datacenter,
      String service, Duration blockingWait, String admittedKey) {
    public String admittedKvKey() {
      return admittedKey.isEmpty() ? "pushring/" + service + "/admitted" : admittedKey;
    }

    @Override
    public String toString() {
      return "Consul[address=" + address + ", scheme=" + scheme + ", token=" + (token.isEmpty() ? "none" : "(set)")
          + ", tokenFile=" + tokenFile + ", tls=" + tls + ", datacenter=" + datacenter + ", service=" + service
          + ", blockingWait=" + blockingWait + ", admittedKey=" + admittedKey + "]";
    }
  }

  /** {@code consul.tls.*}: paths ("" = not set) and the two switches. */
  public record ConsulTls(String caFile, String certFile, String keyFile, String serverName, boolean insecureSkipVerify) {}

  public record Check(String path, Duration interval, Duration timeout, Duration deregisterAfter) {}

  /** {@code servers}: {@code host} or {@code host:port} strings, validated. */
  public record Pushgateways(boolean register, String scheme, int port, List<String> servers,
                             Duration reconcileInterval, Check check, UpstreamTls tls, UpstreamAuth auth) {
    public Pushgateways { servers = List.copyOf(servers); }

    public boolean https() { return "https".equals(scheme); }
  }

  /**
   * {@code pushgateways.tls.*}: file paths and names as configured ("" = not set), read by
   * {@code upstream.UpstreamTls}. Meaningful with {@code scheme: https} only (the loader refuses them otherwise).
   */
  public record UpstreamTls(String caFile, String certFile, String keyFile, String serverName, boolean insecureSkipVerify) {}

  /**
   * The fleet credential ({@code pushgateways.basic-auth.*}, {@code pushgateways.bearer-token-file}):
   * paths only, never the secret itself ("" = not set; at most one kind, checked by the loader).
   */
  public record UpstreamAuth(String username, String passwordFile, String bearerTokenFile) {
    public boolean none() { return username.isEmpty() && bearerTokenFile.isEmpty(); }
  }

  /** {@code maxSubscribers}: open {@code /api/v1/tap} streams at most. */
  public record Tap(boolean enabled, int maxSubscribers) {}

  /** {@code rate}: writes per second per Pushgateway. */
  public record Reconcile(boolean enabled, Duration interval, Duration settle, Duration quiet, int rate, boolean dryRun,
      Duration departedRetention, int maxActions, Lock lock) {}

  /** The leader election's Consul session and key; {@code key} "" = {@link #reconcileLockKey()}'s default. */
  public record Lock(Duration ttl, Duration lockDelay, String key) {}

  /** The KV key of the reconcile lock: {@code reconcile.lock.key}, or {@code pushring/<consul.service>/reconcile-leader}. */
  public String reconcileLockKey() {
    String key = reconcile.lock().key();
    return key.isEmpty() ? "pushring/" + consul.service() + "/reconcile-leader" : key;
  }

  /** {@code every}: log one push-API request in this many (logger {@code pushring.access}); 0 = no access log. */
  public record AccessLog(int every) {}
}
