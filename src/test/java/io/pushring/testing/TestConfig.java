package io.pushring.testing;

import io.pushring.config.ConfigLoader;
import io.pushring.config.PushringConfig;
import java.util.HashMap;
import java.util.Map;

/** Configurations for tests, built the way operators build them: defaults plus PUSHRING_* overrides. */
public final class TestConfig {
  private TestConfig() {}

  /**
   * Static discovery over {@code members} (host:port), on a free port, one router, in redirect mode
   * (so a test whose members are addresses nothing listens on never sends them traffic; proxy and
   * auto tests set PUSHRING_ROUTER_MODE), plus overrides.
   */
  public static PushringConfig staticMembers(String members, String... overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("PUSHRING_HTTP_HOST", "127.0.0.1");
    env.put("PUSHRING_HTTP_PORT", "0");
    env.put("PUSHRING_ROUTER_INSTANCES", "1");
    env.put("PUSHRING_DISCOVERY_MODE", "static");
    env.put("PUSHRING_DISCOVERY_STATIC_MEMBERS", members);
    env.put("PUSHRING_ROUTER_MODE", "redirect");
    for (int i = 0; i + 1 < overrides.length; i += 2) env.put(overrides[i], overrides[i + 1]);
    return ConfigLoader.load(Map.of(), env);
  }
}
