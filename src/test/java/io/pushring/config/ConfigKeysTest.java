package io.pushring.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ConfigKeysTest {
  static final Path SHIPPED = Path.of("conf", "pushring.yaml");

  /** Context valid in every case: static members are allowed (and ignored) in consul mode. */
  private static final Map<String, String> BASE_ENV = Map.of("PUSHRING_DISCOVERY_STATIC_MEMBERS", "10.0.0.1:9091");

  /** {@code with}: other keys the probe needs to be valid (a key that only goes with another one). */
  private record Probe(String envValue, Function<PushringConfig, Object> field, Map<String, String> with) {
    Probe(String envValue, Function<PushringConfig, Object> field) {
      this(envValue, field, Map.of());
    }
  }

  /**
   * For each key: a non-default value, and the record field it must land in. Written out by hand
   * on purpose, so that a key wired to the wrong field (or to none) fails here.
   */
  private static final Map<String, Probe> PROBES = probes();

  private static Map<String, Probe> probes() {
    Map<String, Probe> m = new LinkedHashMap<>();
    m.put("http.host", new Probe("127.0.0.1", c -> c.http().host()));
    m.put("http.port", new Probe("1234", c -> c.http().port()));
    m.put("http.idle-timeout", new Probe("90s", c -> c.http().idleTimeout()));
    m.put("http.web-config-file", new Probe("/etc/pushring/web.yml", c -> c.http().webConfigFile()));
    m.put("http.admin", new Probe("127.0.0.1:9293", c -> c.http().admin()));
    m.put("http.admin-web-config-file", new Probe("/etc/pushring/admin-web.yml", c -> c.http().adminWebConfigFile(),
        Map.of("PUSHRING_HTTP_ADMIN", "127.0.0.1:9293")));
    m.put("http.transport", new Probe("io_uring", c -> c.http().transport()));
    m.put("router.mode", new Probe("proxy", c -> c.router().mode()));
    m.put("router.redirect-status", new Probe("308", c -> c.router().redirectStatus()));
    m.put("router.instances", new Probe("3", c -> c.router().instances()));
    m.put("router.retry-after", new Probe("7s", c -> c.router().retryAfter()));
    m.put("router.redirect-user-agents", new Probe("Go-http-client/,my agent/1", c -> c.router().redirectUserAgents()));
    m.put("router.max-body", new Probe("1048576", c -> c.router().maxBody()));
    m.put("router.proxy-timeout", new Probe("2500ms", c -> c.router().proxyTimeout()));
    m.put("router.proxy-buffer", new Probe("4096", c -> c.router().proxyBuffer()));
    m.put("router.upload-timeout", new Probe("90s", c -> c.router().uploadTimeout()));
    m.put("router.handover-window", new Probe("5m", c -> c.router().handover().window()));
    m.put("router.handover-timeout", new Probe("250ms", c -> c.router().handover().timeout()));
    m.put("router.handover-max-keys", new Probe("1000", c -> c.router().handover().maxKeys()));
    m.put("placement.key", new Probe("dynamic-sharding", c -> c.placement().key()));
    m.put("discovery.mode", new Probe("static", c -> c.discovery().mode()));
    m.put("discovery.static-members", new Probe("10.0.0.2:9091,10.0.0.3:9091", c -> c.discovery().staticMembers()));
    m.put("discovery.on-empty", new Probe("empty", c -> c.discovery().onEmpty()));
    m.put("consul.address", new Probe("consul:8501", c -> c.consul().address()));
    m.put("consul.scheme", new Probe("https", c -> c.consul().scheme()));
    m.put("consul.token", new Probe("tok", c -> c.consul().token()));
    m.put("consul.token-file", new Probe("/run/secrets/consul-token", c -> c.consul().tokenFile()));
    m.put("consul.tls.ca-file", new Probe("/etc/consul/ca.pem", c -> c.consul().tls().caFile()));
    m.put("consul.tls.cert-file", new Probe("/etc/consul/client.pem", c -> c.consul().tls().certFile()));
    m.put("consul.tls.key-file", new Probe("/etc/consul/client-key.pem", c -> c.consul().tls().keyFile()));
    m.put("consul.tls.server-name", new Probe("server.dc1.consul", c -> c.consul().tls().serverName()));
    m.put("consul.tls.insecure-skip-verify", new Probe("true", c -> c.consul().tls().insecureSkipVerify()));
    m.put("consul.datacenter", new Probe("dc9", c -> c.consul().datacenter()));
    m.put("consul.service", new Probe("pgw", c -> c.consul().service()));
    m.put("consul.wait", new Probe("45s", c -> c.consul().blockingWait()));
    m.put("consul.admitted-key", new Probe("fleet-a/admitted", c -> c.consul().admittedKey()));
    m.put("pushgateways.register", new Probe("false", c -> c.pushgateways().register()));
    m.put("pushgateways.scheme", new Probe("https", c -> c.pushgateways().scheme()));
    m.put("pushgateways.port", new Probe("9099", c -> c.pushgateways().port()));
    m.put("pushgateways.servers", new Probe("a,b:1", c -> c.pushgateways().servers()));
    m.put("pushgateways.reconcile-interval", new Probe("10s", c -> c.pushgateways().reconcileInterval()));
    m.put("pushgateways.check.path", new Probe("/ready", c -> c.pushgateways().check().path()));
    m.put("pushgateways.check.interval", new Probe("9s", c -> c.pushgateways().check().interval()));
    m.put("pushgateways.check.timeout", new Probe("3s", c -> c.pushgateways().check().timeout()));
    m.put("pushgateways.check.deregister-after", new Probe("5m", c -> c.pushgateways().check().deregisterAfter()));
    Map<String, String> https = Map.of("PUSHRING_PUSHGATEWAYS_SCHEME", "https");
    m.put("pushgateways.tls.ca-file", new Probe("/etc/pki/ca.pem", c -> c.pushgateways().tls().caFile(), https));
    m.put("pushgateways.tls.cert-file", new Probe("/etc/pki/c.pem", c -> c.pushgateways().tls().certFile(),
        Map.of("PUSHRING_PUSHGATEWAYS_SCHEME", "https", "PUSHRING_PUSHGATEWAYS_TLS_KEY_FILE", "/etc/pki/c.key")));
    m.put("pushgateways.tls.key-file", new Probe("/etc/pki/c.key", c -> c.pushgateways().tls().keyFile(),
        Map.of("PUSHRING_PUSHGATEWAYS_SCHEME", "https", "PUSHRING_PUSHGATEWAYS_TLS_CERT_FILE", "/etc/pki/c.pem")));
    m.put("pushgateways.tls.server-name", new Probe("pg.internal", c -> c.pushgateways().tls().serverName(), https));
    m.put("pushgateways.tls.insecure-skip-verify", new Probe("true", c -> c.pushgateways().tls().insecureSkipVerify(), https));
    m.put("pushgateways.basic-auth.username", new Probe("fleet", c -> c.pushgateways().auth().username(),
        Map.of("PUSHRING_PUSHGATEWAYS_BASIC_AUTH_PASSWORD_FILE", "/run/secrets/pw")));
    m.put("pushgateways.basic-auth.password-file", new Probe("/run/secrets/pw", c -> c.pushgateways().auth().passwordFile(),
        Map.of("PUSHRING_PUSHGATEWAYS_BASIC_AUTH_USERNAME", "fleet")));
    m.put("pushgateways.bearer-token-file", new Probe("/run/secrets/token", c -> c.pushgateways().auth().bearerTokenFile()));
    m.put("tap.enabled", new Probe("false", c -> c.tap().enabled()));
    m.put("tap.max-subscribers", new Probe("7", c -> c.tap().maxSubscribers()));
    m.put("access-log.every", new Probe("100", c -> c.accessLog().every()));
    m.put("reconcile.enabled", new Probe("true", c -> c.reconcile().enabled()));
    m.put("reconcile.interval", new Probe("2m", c -> c.reconcile().interval()));
    m.put("reconcile.settle", new Probe("0s", c -> c.reconcile().settle()));
    m.put("reconcile.quiet", new Probe("5m", c -> c.reconcile().quiet()));
    m.put("reconcile.rate", new Probe("5", c -> c.reconcile().rate()));
    m.put("reconcile.dry-run", new Probe("true", c -> c.reconcile().dryRun()));
    m.put("reconcile.max-actions", new Probe("7", c -> c.reconcile().maxActions()));
    m.put("reconcile.departed-retention", new Probe("1h", c -> c.reconcile().departedRetention()));
    m.put("reconcile.lock.ttl", new Probe("15s", c -> c.reconcile().lock().ttl()));
    m.put("reconcile.lock.lock-delay", new Probe("0s", c -> c.reconcile().lock().lockDelay()));
    m.put("reconcile.lock.key", new Probe("ops/pushring/leader", c -> c.reconcile().lock().key()));
    return m;
  }

  @Test
  void everyKeyLandsInItsOwnRecordField() {
    PushringConfig base = ConfigLoader.load(Map.of(), BASE_ENV);
    for (ConfigKey<?> key : ConfigKeys.all()) {
      Probe probe = PROBES.get(key.path());
      assertThat(probe).as("a probe for %s", key).isNotNull();
      Object expected = key.fromEnv(probe.envValue());
      Map<String, String> env = new HashMap<>(BASE_ENV);
      env.put(key.envName(), probe.envValue());
      env.putAll(probe.with());
      PushringConfig changed = ConfigLoader.load(Map.of(), env);
      Object baseValue = BASE_ENV.containsKey(key.envName()) ? key.fromEnv(BASE_ENV.get(key.envName())) : key.defaultValue();
      assertThat(probe.field().apply(base)).as("%s before", key).isEqualTo(baseValue);
      assertThat(expected).as("probe value of %s differs from the base", key).isNotEqualTo(baseValue);
      assertThat(probe.field().apply(changed)).as("%s override", key).isEqualTo(expected);
    }
    assertThat(PROBES.keySet()).allMatch(p -> ConfigKeys.byPath(p) != null, "probes name known keys");
  }

  @Test
  void environmentNamesFollowTheRule() {
    assertThat(ConfigKeys.all()).hasSize(67);
    assertThat(ConfigKeys.ROUTER_REDIRECT_STATUS.envName()).isEqualTo("PUSHRING_ROUTER_REDIRECT_STATUS");
    assertThat(ConfigKeys.CHECK_DEREGISTER_AFTER.envName()).isEqualTo("PUSHRING_PUSHGATEWAYS_CHECK_DEREGISTER_AFTER");
    for (ConfigKey<?> k : ConfigKeys.all()) {
      assertThat(k.envName()).matches("PUSHRING_[A-Z0-9_]+").doesNotStartWith(ConfigKeys.TEST_ENV_PREFIX);
      assertThat(k.doc()).isNotBlank().doesNotContain("\n");
      assertThat(ConfigKeys.byEnvName(k.envName())).isSameAs(k);
      assertThat(ConfigKeys.byPath(k.path())).isSameAs(k);
    }
    assertThat(ConfigKeys.all().stream().map(ConfigKey::defaultText))
        .contains("0.0.0.0", "9292", "auto", "307", "5s", "[]", "\"\"", "30s", "/-/healthy", "1m", "true");
  }

  @Test
  void shippedFileStatesTheDefaults() throws IOException {
    Map<String, Object> tree = Trees.yaml(Files.readString(SHIPPED));
    assertThat(ConfigLoader.load(tree, Map.of())).isEqualTo(ConfigLoader.load(Map.of(), Map.of()));
  }

  @Test
  void shippedFileListsEveryKeyExplicitlyWithItsDefaultAndAComment() throws IOException {
    String text = Files.readString(SHIPPED);
    Map<String, Object> tree = Trees.yaml(text);
    for (ConfigKey<?> key : ConfigKeys.all()) {
      Object node = tree;
      for (String segment : key.path().split("\\.")) {
        assertThat(node).as("%s: the section above it", key).isInstanceOf(Map.class);
        assertThat(((Map<?, ?>) node).containsKey(segment)).as("%s is written in %s", key, SHIPPED).isTrue();
        node = ((Map<?, ?>) node).get(segment);
      }
      String leaf = key.path().substring(key.path().lastIndexOf('.') + 1);
      Pattern line = Pattern.compile("(?m)^\\s+" + Pattern.quote(leaf) + ":\\s+" + Pattern.quote(key.defaultText())
          + "\\s+#\\s*\\S.*$");
      assertThat(line.matcher(text).find()).as("%s: a line '%s: %s  # comment'", key, leaf, key.defaultText()).isTrue();
    }
    assertThat(text).contains(ConfigKeys.TEST_ENV_PREFIX).contains("PUSHRING_HTTP_PORT=")
        .contains("PUSHRING_DISCOVERY_STATIC_MEMBERS=");
  }
}
