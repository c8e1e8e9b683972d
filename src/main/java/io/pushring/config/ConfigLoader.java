package io.pushring.config;

import static io.pushring.config.ConfigKeys.*;

import io.pushring.config.PushringConfig.Check;
import io.pushring.config.PushringConfig.Consul;
import io.pushring.config.PushringConfig.Discovery;
import io.pushring.config.PushringConfig.Handover;
import io.pushring.config.PushringConfig.Http;
import io.pushring.config.PushringConfig.PlacementConf;
import io.pushring.config.PushringConfig.Pushgateways;
import io.pushring.config.PushringConfig.Router;
import io.pushring.config.PushringConfig.AccessLog;
import io.pushring.config.PushringConfig.Tap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the parsed YAML tree plus the environment into a validated {@link PushringConfig}. Pure.
 *
 * <p>Order of checks, so that the first error reported is stable: unknown keys in the file (in file
 * order), unknown {@code PUSHRING_*} variables (alphabetically), then each key's effective value in
 * table order (the environment wins over the file, and only the winning value is validated), then
 * the rules spanning two keys.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /**
   * @param yamlTree the YAML file as nested maps/lists (empty map, or null, when no file); a null
   *     value for a key or section means "not set"
   * @param env the process environment; {@code PUSHRING_*} entries override keys,
   *     {@code PUSHRING_TEST_*} ones are ignored
   * @throws ConfigException naming the first unknown key or invalid value
   */
  public static PushringConfig load(Map<String, Object> yamlTree, Map<String, String> env) {
    Map<ConfigKey<?>, Object> fromFile = new HashMap<>();
    if (yamlTree != null) walk("", yamlTree, fromFile);
    Map<ConfigKey<?>, String> fromEnv = envOverrides(env);

    Map<ConfigKey<?>, Object> values = new HashMap<>();
    for (ConfigKey<?> key : ConfigKeys.all()) values.put(key, resolve(key, fromFile, fromEnv));
    Resolved resolved = new Resolved(values, fromEnv.keySet());

    for (ConfigKeys.Rule rule : ConfigKeys.RULES) {
      String problem = rule.problem().apply(resolved);
      if (problem != null) throw error(rule.key(), resolved.envSource(rule.key()), problem);
    }
    return build(resolved);
  }

  private static PushringConfig build(Resolved v) {
    return new PushringConfig(
        new Http(v.get(HTTP_HOST), v.get(HTTP_PORT), v.get(HTTP_IDLE_TIMEOUT), v.get(HTTP_WEB_CONFIG_FILE), v.get(HTTP_ADMIN),
            v.get(HTTP_ADMIN_WEB_CONFIG_FILE), v.get(HTTP_TRANSPORT)),
        new Router(v.get(ROUTER_MODE), v.get(ROUTER_REDIRECT_STATUS), v.get(ROUTER_INSTANCES), v.get(ROUTER_RETRY_AFTER),
            v.get(ROUTER_REDIRECT_USER_AGENTS), v.get(ROUTER_MAX_BODY), v.get(ROUTER_PROXY_TIMEOUT),
            v.get(ROUTER_PROXY_BUFFER), v.get(ROUTER_UPLOAD_TIMEOUT),
            new Handover(v.get(ROUTER_HANDOVER_WINDOW), v.get(ROUTER_HANDOVER_TIMEOUT), v.get(ROUTER_HANDOVER_MAX_KEYS))),
        new PlacementConf(v.get(PLACEMENT_KEY)),
        new Discovery(v.get(DISCOVERY_MODE), v.get(DISCOVERY_STATIC_MEMBERS), v.get(DISCOVERY_ON_EMPTY)),
        new Consul(v.get(CONSUL_ADDRESS), v.get(CONSUL_SCHEME), v.get(CONSUL_TOKEN), v.get(CONSUL_TOKEN_FILE),
            new PushringConfig.ConsulTls(v.get(CONSUL_TLS_CA_FILE), v.get(CONSUL_TLS_CERT_FILE), v.get(CONSUL_TLS_KEY_FILE),
                v.get(CONSUL_TLS_SERVER_NAME), v.get(CONSUL_TLS_INSECURE_SKIP_VERIFY)),
            v.get(CONSUL_DATACENTER), v.get(CONSUL_SERVICE), v.get(CONSUL_WAIT), v.get(CONSUL_ADMITTED_KEY)),
        new Pushgateways(v.get(PUSHGATEWAYS_REGISTER), v.get(PUSHGATEWAYS_SCHEME), v.get(PUSHGATEWAYS_PORT),
            v.get(PUSHGATEWAYS_SERVERS), v.get(PUSHGATEWAYS_RECONCILE_INTERVAL),
            new Check(v.get(CHECK_PATH), v.get(CHECK_INTERVAL), v.get(CHECK_TIMEOUT), v.get(CHECK_DEREGISTER_AFTER)),
            new PushringConfig.UpstreamTls(v.get(PUSHGATEWAYS_TLS_CA_FILE), v.get(PUSHGATEWAYS_TLS_CERT_FILE),
                v.get(PUSHGATEWAYS_TLS_KEY_FILE), v.get(PUSHGATEWAYS_TLS_SERVER_NAME), v.get(PUSHGATEWAYS_TLS_INSECURE_SKIP_VERIFY)),
            new PushringConfig.UpstreamAuth(v.get(PUSHGATEWAYS_BASIC_AUTH_USERNAME), v.get(PUSHGATEWAYS_BASIC_AUTH_PASSWORD_FILE),
                v.get(PUSHGATEWAYS_BEARER_TOKEN_FILE))),
        new Tap(v.get(TAP_ENABLED), v.get(TAP_MAX_SUBSCRIBERS)),
        new AccessLog(v.get(ACCESS_LOG_EVERY)),
        new PushringConfig.Reconcile(v.get(RECONCILE_ENABLED), v.get(RECONCILE_INTERVAL), v.get(RECONCILE_SETTLE),
            v.get(RECONCILE_QUIET), v.get(RECONCILE_RATE), v.get(RECONCILE_DRY_RUN),
            v.get(RECONCILE_DEPARTED_RETENTION), v.get(RECONCILE_MAX_ACTIONS),
            new PushringConfig.Lock(v.get(RECONCILE_LOCK_TTL), v.get(RECONCILE_LOCK_LOCK_DELAY), v.get(RECONCILE_LOCK_KEY))));
  }

  private static Object resolve(ConfigKey<?> key, Map<ConfigKey<?>, Object> fromFile, Map<ConfigKey<?>, String> fromEnv) {
    String envValue = fromEnv.get(key);
    try {
      if (envValue != null) return key.fromEnv(envValue);
      if (fromFile.containsKey(key)) return key.fromYaml(fromFile.get(key));
      return key.defaultValue();
    } catch (InvalidValueException e) {
      throw error(key, envValue != null ? key.envName() : null, e.getMessage());
    }
  }

  /** Records each leaf of the tree under its key; unknown names and non-mapping sections fail. */
  private static void walk(String section, Map<?, ?> tree, Map<ConfigKey<?>, Object> out) {
    for (Map.Entry<?, ?> e : tree.entrySet()) {
      String path = section.isEmpty() ? String.valueOf(e.getKey()) : section + "." + e.getKey();
      Object value = e.getValue();
      ConfigKey<?> key = ConfigKeys.byPath(path);
      if (key != null) {
        if (value != null) out.put(key, value); // "key:" with nothing after it = not set
      } else if (ConfigKeys.isSection(path)) {
        if (value instanceof Map<?, ?> m) walk(path, m, out);
        else if (value != null) throw new ConfigException(path, "expected a mapping, got " + Values.describe(value));
      } else {
        throw new ConfigException(path, "unknown key" + hint(path, ConfigKeys.children(section)));
      }
    }
  }

  private static Map<ConfigKey<?>, String> envOverrides(Map<String, String> env) {
    Map<ConfigKey<?>, String> out = new HashMap<>();
    if (env == null) return out;
    // Sorted, so the variable reported first does not depend on the map's order.
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(ConfigKeys.ENV_PREFIX) || name.startsWith(ConfigKeys.TEST_ENV_PREFIX)) continue;
      ConfigKey<?> key = ConfigKeys.byEnvName(name);
      if (key == null) {
        throw new ConfigException(name, "names no configuration key" + hint(name, List.copyOf(ConfigKeys.envNames())));
      }
      out.put(key, e.getValue() == null ? "" : e.getValue());
    }
    return out;
  }

  private static ConfigException error(ConfigKey<?> key, String envName, String message) {
    return envName == null ? new ConfigException(key.path(), message) : ConfigException.fromEnv(key.path(), envName, message);
  }

  /** {@code " (did you mean X?)"} for the closest known name within two edits, else "". */
  static String hint(String wrong, List<String> known) {
    String best = null;
    int bestDistance = 3;
    for (String k : known) {
      int d = distance(wrong, k);
      if (d < bestDistance || (d == bestDistance && best != null && k.compareTo(best) < 0)) {
        best = k;
        bestDistance = d;
      }
    }
    return best == null ? "" : " (did you mean " + best + "?)";
  }

  /** Optimal string alignment distance: a swap of two neighbours ("mdoe") counts as one edit. */
  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) d[i][0] = i;
    for (int j = 0; j <= b.length(); j++) d[0][j] = j;
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
