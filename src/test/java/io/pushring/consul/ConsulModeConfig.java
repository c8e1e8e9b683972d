package io.pushring.consul;

import io.pushring.config.ConfigLoader;
import io.pushring.config.PushringConfig;
import io.pushring.testing.Await;
import io.pushring.testing.consul.ConsulFixture;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * pushring configurations in Consul mode for the integration tests, built as operators build them
 * (defaults plus {@code PUSHRING_*} overrides through {@link ConfigLoader}), so every value a test
 * uses also passes the configuration's validation.
 */
public final class ConsulModeConfig {
  private ConsulModeConfig() {}

  /**
   * A Consul service name of its own per test: tests never see each other's Pushgateways, and on a
   * shared external Consul they leave the operator's services alone.
   */
  static String uniqueService(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * Consul mode against {@code consul}, on a free loopback port, one router, watching {@code service}
   * with a 5 s blocking wait; the registrar registers {@code servers} ({@code host:port}; none: off)
   * with the check (interval 1s, timeout 500ms) and reconciles every second. Later pairs of
   * {@code overrides} (env name, value) win.
   */
  public static PushringConfig of(ConsulFixture consul, String service, List<String> servers, String... overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("PUSHRING_HTTP_HOST", "127.0.0.1");
    env.put("PUSHRING_HTTP_PORT", "0");
    env.put("PUSHRING_ROUTER_INSTANCES", "1");
    // These tests read where a push goes from the 307's Location; auto (the default) would proxy
    // their User-Agent-less requests instead.
    env.put("PUSHRING_ROUTER_MODE", "redirect");
    env.put("PUSHRING_DISCOVERY_MODE", "consul");
    env.put("PUSHRING_CONSUL_ADDRESS", consul.hostPort());
    env.put("PUSHRING_CONSUL_SERVICE", service);
    env.put("PUSHRING_CONSUL_WAIT", "5s");
    String token = System.getenv(ConsulFixture.TOKEN_ENV);
    if (token != null && !token.isBlank()) env.put("PUSHRING_CONSUL_TOKEN", token.trim());
    env.put("PUSHRING_PUSHGATEWAYS_REGISTER", String.valueOf(!servers.isEmpty()));
    env.put("PUSHRING_PUSHGATEWAYS_SERVERS", servers.stream().collect(Collectors.joining(",")));
    env.put("PUSHRING_PUSHGATEWAYS_CHECK_INTERVAL", "1s");
    env.put("PUSHRING_PUSHGATEWAYS_CHECK_TIMEOUT", "500ms");
    env.put("PUSHRING_PUSHGATEWAYS_RECONCILE_INTERVAL", "1s");
    for (int i = 0; i + 1 < overrides.length; i += 2) env.put(overrides[i], overrides[i + 1]);
    return ConfigLoader.load(Map.of(), env);
  }
}
