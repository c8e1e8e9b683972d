package io.pushring.config;

import static io.pushring.config.Trees.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pushring.config.PushringConfig.DiscoveryMode;
import io.pushring.config.PushringConfig.RouterMode;
import io.pushring.config.PushringConfig.PlacementKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  private static final Map<String, String> NO_ENV = Map.of();

  private static PushringConfig load(String yaml) {
    return ConfigLoader.load(yaml(yaml), NO_ENV);
  }

  private static ConfigException failure(Map<String, Object> tree, Map<String, String> env) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(tree, env));
    assertThat(e).as("expected a ConfigException").isNotNull();
    assertThat(e.getMessage()).doesNotContain("\n");
    return e;
  }

  private static String fileError(String yaml) {
    return failure(yaml(yaml), NO_ENV).getMessage();
  }

  private static String envError(Map<String, String> env) {
    return failure(Map.of(), env).getMessage();
  }

  @Test
  void emptyTreeGivesTheDesignDefaults() {
    PushringConfig c = ConfigLoader.load(Map.of(), NO_ENV);
    assertThat(c.http()).isEqualTo(new PushringConfig.Http("0.0.0.0", 9292, Duration.ofSeconds(60), "", "", "", PushringConfig.Transport.AUTO));
    assertThat(c.router()).isEqualTo(new PushringConfig.Router(RouterMode.AUTO, 307, 0, Duration.ofSeconds(5),
        List.of("Go-http-client/", "Java/"), 16 << 20, Duration.ofSeconds(30), 256 << 10, Duration.ofSeconds(60),
        new PushringConfig.Handover(Duration.ofMinutes(10), Duration.ofSeconds(1), 1 << 18)));
    assertThat(c.placement().key()).isEqualTo(PlacementKey.GROUPING_KEY);
    assertThat(c.discovery()).isEqualTo(new PushringConfig.Discovery(DiscoveryMode.CONSUL, List.of(), PushringConfig.OnEmpty.KEEP_LAST));
    assertThat(c.consul()).isEqualTo(
        new PushringConfig.Consul("127.0.0.1:8500", "http", "", "", new PushringConfig.ConsulTls("", "", "", "", false), "", "pushgateway", Duration.ofSeconds(30), ""));
    assertThat(c.pushgateways()).isEqualTo(new PushringConfig.Pushgateways(true, "http", 9091, List.of(), Duration.ofSeconds(30),
        new PushringConfig.Check("/-/healthy", Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofMinutes(1)),
        new PushringConfig.UpstreamTls("", "", "", "", false), new PushringConfig.UpstreamAuth("", "", "")));
    assertThat(c.tap().enabled()).isTrue();
    assertThat(ConfigLoader.load(null, null)).isEqualTo(c);
  }

  @Test
  void readsEveryKindOfValueFromTheTree() {
    PushringConfig c = load("""
        http: {host: "::", port: 9393}
        router: {mode: proxy, redirect-status: 308, instances: 4, retry-after: 10s, redirect-user-agents: ["Go-http-client/1.1"],
                 max-body: 1024, proxy-timeout: 250ms, proxy-buffer: 512, upload-timeout: 2m}
        placement: {key: dynamic-sharding}
        discovery: {mode: static, static-members: ["10.0.0.1:9091", "[::1]:9092", pgw-3.example:9091]}
        consul: {address: "consul.service:8501", scheme: https, token: "0123", datacenter: dc2, service: pgw.v1, wait: 1m30s}
        pushgateways:
          register: false
          scheme: https
          port: 9092
          servers: [pgw1, "pgw2:9093", "[fe80::1]", 10.0.0.7]
          check: {path: /healthz, interval: 10s, timeout: 500ms, deregister-after: 90m}
        tap: {enabled: false}
        """);
    assertThat(c.http()).isEqualTo(new PushringConfig.Http("::", 9393, Duration.ofSeconds(60), "", "", "", PushringConfig.Transport.AUTO));
    assertThat(c.router()).isEqualTo(new PushringConfig.Router(RouterMode.PROXY, 308, 4, Duration.ofSeconds(10),
        List.of("Go-http-client/1.1"), 1024, Duration.ofMillis(250), 512, Duration.ofMinutes(2),
        new PushringConfig.Handover(Duration.ofMinutes(10), Duration.ofSeconds(1), 1 << 18)));
    assertThat(c.placement().key()).isEqualTo(PlacementKey.DYNAMIC_SHARDING);
    assertThat(c.discovery()).isEqualTo(new PushringConfig.Discovery(DiscoveryMode.STATIC,
        List.of("10.0.0.1:9091", "[::1]:9092", "pgw-3.example:9091"), PushringConfig.OnEmpty.KEEP_LAST));
    assertThat(c.consul()).isEqualTo(
        new PushringConfig.Consul("consul.service:8501", "https", "0123", "", new PushringConfig.ConsulTls("", "", "", "", false), "dc2", "pgw.v1", Duration.ofSeconds(90), ""));
    assertThat(c.pushgateways()).isEqualTo(new PushringConfig.Pushgateways(false, "https", 9092,
        List.of("pgw1", "pgw2:9093", "[fe80::1]", "10.0.0.7"), Duration.ofSeconds(30),
        new PushringConfig.Check("/healthz", Duration.ofSeconds(10), Duration.ofMillis(500), Duration.ofMinutes(90)),
        new PushringConfig.UpstreamTls("", "", "", "", false), new PushringConfig.UpstreamAuth("", "", "")));
    assertThat(c.tap().enabled()).isFalse();
  }

  @Test
  void nullMeansNotSetForKeysAndSections() {
    assertThat(load("http:\nconsul:\n  token:\n  wait:\n")).isEqualTo(ConfigLoader.load(Map.of(), NO_ENV));
  }

  @Test
  void quotedNumbersAndBooleansAreAccepted() {
    PushringConfig c = load("http: {port: \"9393\"}\ntap: {enabled: \"false\"}\n");
    assertThat(c.http().port()).isEqualTo(9393);
    assertThat(c.tap().enabled()).isFalse();
  }

  // ---- validators: the exact one-line message ----

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "http: {host: 'bad host!'}        | http.host: expected a host name or IP address, got \"bad host!\"",
      "http: {host: ''}                 | http.host: expected a host name or IP address, got \"\"",
      "http: {port: 70000}              | http.port: must be between 0 and 65535, got 70000",
      "http: {port: -1}                 | http.port: must be between 0 and 65535, got -1",
      "http: {port: 99999999999999999999} | http.port: must be between 0 and 65535, got 99999999999999999999",
      "http: {port: abc}                | http.port: expected an integer, got \"abc\"",
      "http: {port: 9292.5}             | http.port: expected an integer, got 9292.5",
      "http: {port: true}               | http.port: expected an integer, got true",
      "http: {port: [1]}                | http.port: expected an integer, got a list",
      "http: {port: {a: 1}}             | http.port: expected an integer, got a mapping",
      "router: {redirect-user-agents: [' Go']} | router.redirect-user-agents: expected a User-Agent prefix of printable ASCII without commas, got \" Go\"",
      "router: {redirect-user-agents: ['a,b']} | router.redirect-user-agents: expected a User-Agent prefix of printable ASCII without commas, got \"a,b\"",
      "router: {redirect-user-agents: ['']}    | router.redirect-user-agents: expected a User-Agent prefix of printable ASCII without commas, got \"\"",
      "router: {max-body: 0}            | router.max-body: must be between 1 and 2147483647, got 0",
      "router: {proxy-timeout: 0s}      | router.proxy-timeout: must be between 1ms and 1h, got 0s",
      "router: {mode: redirects}        | router.mode: expected one of auto, redirect, proxy, got \"redirects\"",
      "router: {mode: 1}                | router.mode: expected one of auto, redirect, proxy, got 1",
      "router: {redirect-status: 301}   | router.redirect-status: must be one of 307, 308, got 301",
      "router: {redirect-status: '30x'} | router.redirect-status: expected an integer, got \"30x\"",
      "router: {instances: 257}         | router.instances: must be between 0 and 256, got 257",
      "router: {instances: -1}          | router.instances: must be between 0 and 256, got -1",
      "router: {retry-after: 1500ms}    | router.retry-after: must be whole seconds (sent as Retry-After), got 1s500ms",
      "router: {retry-after: 0s}        | router.retry-after: must be between 1s and 1h, got 0s",
      "router: {retry-after: 2h}        | router.retry-after: must be between 1s and 1h, got 2h",
      "router: {retry-after: 5}         | router.retry-after: expected a duration like 500ms, 5s, 1m or 1m30s, got 5",
      "placement: {key: path}           | placement.key: expected one of grouping-key, dynamic-sharding, got \"path\"",
      "discovery: {mode: dns}           | discovery.mode: expected one of consul, static, got \"dns\"",
      "discovery: {mode: static}        | discovery.static-members: must list at least one host:port when discovery.mode is static",
      "discovery: {mode: static, static-members: []} | discovery.static-members: must list at least one host:port when discovery.mode is static",
      "discovery: {static-members: [pgw1]}        | discovery.static-members: expected host:port with a port between 1 and 65535, got \"pgw1\"",
      "discovery: {static-members: ['pgw1:0']}    | discovery.static-members: expected host:port with a port between 1 and 65535, got \"pgw1:0\"",
      "discovery: {static-members: ['pgw1:65536']} | discovery.static-members: expected host:port with a port between 1 and 65535, got \"pgw1:65536\"",
      "discovery: {static-members: ['::1:9091']}  | discovery.static-members: expected host:port with a port between 1 and 65535, got \"::1:9091\"",
      "discovery: {static-members: [9091]}        | discovery.static-members: expected a string, got 9091 (quote it)",
      "discovery: {static-members: 'a:1,b:2'}     | discovery.static-members: expected a list, got \"a:1,b:2\"",
      "consul: {address: 'http://127.0.0.1:8500'} | consul.address: expected host:port, got \"http://127.0.0.1:8500\"",
      "consul: {address: consul}        | consul.address: expected host:port, got \"consul\"",
      "consul: {scheme: ftp}            | consul.scheme: expected one of http, https, got \"ftp\"",
      "consul: {token: 0123}            | consul.token: expected a string, got 83 (quote it)",
      "consul: {datacenter: no}         | consul.datacenter: expected a string, got false (quote it)",
      "consul: {service: push gateway}  | consul.service: expected a service name of letters, digits, '-', '_' or '.', got \"push gateway\"",
      "consul: {service: ''}            | consul.service: expected a service name of letters, digits, '-', '_' or '.', got \"\"",
      "consul: {wait: 11m}              | consul.wait: must be between 1s and 10m, got 11m",
      "consul: {wait: 500ms}            | consul.wait: must be between 1s and 10m, got 500ms",
      "consul: {wait: -5s}              | consul.wait: must not be negative, got \"-5s\"",
      "consul: {wait: 5 s}              | consul.wait: expected a duration like 500ms, 5s, 1m or 1m30s, got \"5 s\"",
      "consul: {wait: 30}               | consul.wait: expected a duration like 500ms, 5s, 1m or 1m30s, got 30",
      "pushgateways: {register: maybe}  | pushgateways.register: expected true or false, got \"maybe\"",
      "pushgateways: {register: 1}      | pushgateways.register: expected true or false, got 1",
      "pushgateways: {scheme: HTTP}     | pushgateways.scheme: expected one of http, https, got \"HTTP\"",
      "pushgateways: {port: 0}          | pushgateways.port: must be between 1 and 65535, got 0",
      "pushgateways: {servers: ['pgw:x']} | pushgateways.servers: expected host or host:port, got \"pgw:x\"",
      "pushgateways: {servers: ['']}    | pushgateways.servers: expected host or host:port, got \"\"",
      "pushgateways: {servers: pgw1}    | pushgateways.servers: expected a list, got \"pgw1\"",
      "pushgateways: {check: {path: healthy}}    | pushgateways.check.path: expected a path starting with /, got \"healthy\"",
      "pushgateways: {check: {interval: 500ms}}  | pushgateways.check.interval: must be between 1s and 1h, got 500ms",
      "pushgateways: {check: {timeout: 0s}}      | pushgateways.check.timeout: must be between 1ms and 1h, got 0s",
      "pushgateways: {check: {timeout: 5s}}      | pushgateways.check.timeout: must be shorter than pushgateways.check.interval (5s), got 5s",
      "pushgateways: {check: {interval: 2s}}     | pushgateways.check.timeout: must be shorter than pushgateways.check.interval (2s), got 2s",
      "pushgateways: {check: {deregister-after: 30s}} | pushgateways.check.deregister-after: must be at least 1m, got 30s",
      "tap: {enabled: 'on'}             | tap.enabled: expected true or false, got \"on\"",
  })
  void rejectsInvalidValuesWithOneLineNamingTheKey(String yaml, String message) {
    assertThat(fileError(yaml)).isEqualTo(message);
  }

  @Test
  void acceptsTheEdgesOfEachRange() {
    assertThat(load("http: {port: 0}").http().port()).isZero();
    assertThat(load("http: {port: 65535, host: localhost}").http().port()).isEqualTo(65535);
    assertThat(load("router: {instances: 256, retry-after: 1h}").router().instances()).isEqualTo(256);
    assertThat(load("router: {retry-after: 1s}").router().retryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(load("consul: {wait: 10m}").consul().blockingWait()).isEqualTo(Duration.ofMinutes(10));
    assertThat(load("consul: {wait: 1s}").consul().blockingWait()).isEqualTo(Duration.ofSeconds(1));
    assertThat(load("pushgateways: {check: {interval: 1s, timeout: 999ms}}").pushgateways().check().timeout())
        .isEqualTo(Duration.ofMillis(999));
    assertThat(load("pushgateways: {check: {deregister-after: 1m}}").pushgateways().check().deregisterAfter())
        .isEqualTo(Duration.ofMinutes(1));
    assertThat(load("pushgateways: {port: 1}").pushgateways().port()).isEqualTo(1);
  }

  // ---- unknown keys ----

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "router: {mdoe: proxy}                     | router.mdoe: unknown key (did you mean router.mode?)",
      "pushgateways: {check: {intervall: 5s}}    | pushgateways.check.intervall: unknown key (did you mean pushgateways.check.interval?)",
      "pushgateways: {check: {x: {y: 1}}}        | pushgateways.check.x: unknown key",
      "pushgateway: {port: 1}                    | pushgateway: unknown key (did you mean pushgateways?)",
      "foo: 1                                    | foo: unknown key",
      "http: {port: 1, listen: {host: x}}        | http.listen: unknown key",
      "consul: {address: x, timeout: 5s}         | consul.timeout: unknown key",
      "http: 9292                                | http: expected a mapping, got 9292",
      "pushgateways: {check: /-/healthy}         | pushgateways.check: expected a mapping, got \"/-/healthy\"",
      "tap: [enabled]                            | tap: expected a mapping, got a list",
  })
  void rejectsUnknownKeysByFullPath(String yaml, String message) {
    assertThat(fileError(yaml)).isEqualTo(message);
  }

  @Test
  void unknownKeyIsReportedBeforeInvalidValuesAndNamedInKey() {
    ConfigException e = failure(yaml("http: {port: abc}\nrouter: {mdoe: x}\n"), NO_ENV);
    assertThat(e.key()).isEqualTo("router.mdoe");
  }

  @Test
  void idleTimeoutMustOutlastTheProxyTimeoutAndTheTapHeartbeat() {
    assertThat(failure(yaml("http: {idle-timeout: 30s}"), NO_ENV).getMessage()).isEqualTo(
        "http.idle-timeout: must be longer than router.proxy-timeout (30s) or 0, got 30s:"
            + " a client waiting for its Pushgateway's answer sends nothing meanwhile");
    assertThat(failure(yaml("http: {idle-timeout: 15s}\nrouter: {proxy-timeout: 2s}"), NO_ENV).getMessage()).isEqualTo(
        "http.idle-timeout: must be longer than the tap's 15s heartbeat (or 0, or tap.enabled: false), got 15s:"
            + " it would cut quiet /api/v1/tap streams");
    assertThat(failure(Map.of(), Map.of("PUSHRING_HTTP_IDLE_TIMEOUT", "1s")).getMessage())
        .startsWith("http.idle-timeout (PUSHRING_HTTP_IDLE_TIMEOUT): must be longer than router.proxy-timeout");
    PushringConfig shortIdle = ConfigLoader.load(yaml("http: {idle-timeout: 2s}\nrouter: {proxy-timeout: 1s}\ntap: {enabled: false}"), NO_ENV);
    assertThat(shortIdle.http().idleTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(ConfigLoader.load(yaml("http: {idle-timeout: 0s}"), NO_ENV).http().idleTimeout()).isZero();
  }

  // ---- environment ----

  @Test
  void environmentOverridesScalarsAndWinsOverTheFile() {
    PushringConfig c = ConfigLoader.load(yaml("http: {port: 9000, host: 127.0.0.1}"),
        Map.of("PUSHRING_HTTP_PORT", "9393", "PUSHRING_ROUTER_REDIRECT_STATUS", "308",
            "PUSHRING_PLACEMENT_KEY", "dynamic-sharding", "PUSHRING_CONSUL_TOKEN", "s3cr3t",
            "PUSHRING_PUSHGATEWAYS_CHECK_PATH", "/ready"));
    assertThat(c.http()).isEqualTo(new PushringConfig.Http("127.0.0.1", 9393, Duration.ofSeconds(60), "", "", "", PushringConfig.Transport.AUTO));
    assertThat(c.router().redirectStatus()).isEqualTo(308);
    assertThat(c.placement().key()).isEqualTo(PlacementKey.DYNAMIC_SHARDING);
    assertThat(c.consul().token()).isEqualTo("s3cr3t");
    assertThat(c.pushgateways().check().path()).isEqualTo("/ready");
  }

  @Test
  void transportComesFromTheFileOrTheEnvironmentUnderNettysNames() {
    assertThat(load("http: {transport: io_uring}").http().transport()).isEqualTo(PushringConfig.Transport.IO_URING);
    assertThat(ConfigLoader.load(yaml("http: {transport: io_uring}"), Map.of("PUSHRING_HTTP_TRANSPORT", "nio"))
        .http().transport()).isEqualTo(PushringConfig.Transport.NIO);
    assertThat(ConfigLoader.load(Map.of(), Map.of("PUSHRING_HTTP_TRANSPORT", "epoll")).http().transport())
        .isEqualTo(PushringConfig.Transport.EPOLL);
  }

  @Test
  void environmentOverridesListsCommaSeparated() {
    PushringConfig c = ConfigLoader.load(Map.of(), Map.of(
        "PUSHRING_DISCOVERY_MODE", "static",
        "PUSHRING_DISCOVERY_STATIC_MEMBERS", "127.0.0.1:9091, 127.0.0.1:9092 ,[::1]:9093",
        "PUSHRING_PUSHGATEWAYS_SERVERS", "pgw1,pgw2:9092"));
    assertThat(c.discovery()).isEqualTo(new PushringConfig.Discovery(DiscoveryMode.STATIC,
        List.of("127.0.0.1:9091", "127.0.0.1:9092", "[::1]:9093"), PushringConfig.OnEmpty.KEEP_LAST));
    assertThat(c.pushgateways().servers()).containsExactly("pgw1", "pgw2:9092");
  }

  @Test
  void emptyEnvironmentStringIsAnEmptyListOverridingTheFile() {
    PushringConfig c = ConfigLoader.load(yaml("pushgateways: {servers: [pgw1, pgw2]}"),
        Map.of("PUSHRING_PUSHGATEWAYS_SERVERS", ""));
    assertThat(c.pushgateways().servers()).isEmpty();
    assertThat(envError(Map.of("PUSHRING_PUSHGATEWAYS_SERVERS", "pgw1,,pgw2")))
        .isEqualTo("pushgateways.servers (PUSHRING_PUSHGATEWAYS_SERVERS): expected host or host:port, got \"\"");
  }

  @Test
  void environmentOverridesDurationsAndBooleans() {
    PushringConfig c = ConfigLoader.load(Map.of(), Map.of(
        "PUSHRING_CONSUL_WAIT", "1m30s", "PUSHRING_PUSHGATEWAYS_CHECK_DEREGISTER_AFTER", "2h",
        "PUSHRING_TAP_ENABLED", "false", "PUSHRING_PUSHGATEWAYS_REGISTER", "FALSE"));
    assertThat(c.consul().blockingWait()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.pushgateways().check().deregisterAfter()).isEqualTo(Duration.ofHours(2));
    assertThat(c.tap().enabled()).isFalse();
    assertThat(c.pushgateways().register()).isFalse();
    assertThat(ConfigLoader.load(yaml("tap: {enabled: false}"), Map.of("PUSHRING_TAP_ENABLED", "true")).tap().enabled())
        .isTrue();
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "PUSHRING_HTTP_PORT      | abc   | http.port (PUSHRING_HTTP_PORT): expected an integer, got \"abc\"",
      "PUSHRING_HTTP_PORT      | ``    | http.port (PUSHRING_HTTP_PORT): expected an integer, got \"\"",
      "PUSHRING_HTTP_PORT      | 65536 | http.port (PUSHRING_HTTP_PORT): must be between 0 and 65535, got 65536",
      "PUSHRING_ROUTER_MODE    | proxi | router.mode (PUSHRING_ROUTER_MODE): expected one of auto, redirect, proxy, got \"proxi\"",
      "PUSHRING_CONSUL_WAIT    | 30    | consul.wait (PUSHRING_CONSUL_WAIT): expected a duration like 500ms, 5s, 1m or 1m30s, got \"30\"",
      "PUSHRING_CONSUL_WAIT    | -1s   | consul.wait (PUSHRING_CONSUL_WAIT): must not be negative, got \"-1s\"",
      "PUSHRING_CONSUL_ADMITTED_KEY | /a/b | consul.admitted-key (PUSHRING_CONSUL_ADMITTED_KEY): expected a Consul KV key of letters, digits, '-', '_', '.' and '/' (not starting or ending with '/'), or empty, got \"/a/b\"",
      "PUSHRING_HTTP_TRANSPORT | io-uring | http.transport (PUSHRING_HTTP_TRANSPORT): expected one of auto, epoll, io_uring, nio, got \"io-uring\"",
      "PUSHRING_TAP_ENABLED    | yes   | tap.enabled (PUSHRING_TAP_ENABLED): expected true or false, got \"yes\"",
      "PUSHRING_DISCOVERY_STATIC_MEMBERS | a:1,b | discovery.static-members (PUSHRING_DISCOVERY_STATIC_MEMBERS): expected host:port with a port between 1 and 65535, got \"b\"",
      "PUSHRING_PUSHGATEWAYS_CHECK_TIMEOUT | 10s | pushgateways.check.timeout (PUSHRING_PUSHGATEWAYS_CHECK_TIMEOUT): must be shorter than pushgateways.check.interval (5s), got 10s",
  })
  void invalidEnvironmentValuesNameKeyAndVariable(String name, String value, String message) {
    ConfigException e = failure(Map.of(), Map.of(name, value));
    assertThat(e.getMessage()).isEqualTo(message);
    assertThat(e.key()).isEqualTo(ConfigKeys.byEnvName(name).path());
  }

  @Test
  void crossKeyRuleNamesTheFileKeyWhenOnlyTheOtherCameFromTheEnvironment() {
    assertThat(envError(Map.of("PUSHRING_DISCOVERY_MODE", "static")))
        .isEqualTo("discovery.static-members: must list at least one host:port when discovery.mode is static");
  }

  @Test
  void environmentWinsSoAnOverriddenFileValueIsNotValidated() {
    assertThat(ConfigLoader.load(yaml("http: {port: abc}"), Map.of("PUSHRING_HTTP_PORT", "1")).http().port()).isEqualTo(1);
  }

  @Test
  void unknownPushringVariableIsAnErrorNamingIt() {
    ConfigException e = failure(Map.of(), Map.of("PUSHRING_HTTP_PROT", "1"));
    assertThat(e.getMessage()).isEqualTo("PUSHRING_HTTP_PROT: names no configuration key (did you mean PUSHRING_HTTP_PORT?)");
    assertThat(e.key()).isEqualTo("PUSHRING_HTTP_PROT");
    assertThat(envError(Map.of("PUSHRING_HTTP", "x"))).isEqualTo("PUSHRING_HTTP: names no configuration key");
    assertThat(envError(Map.of("PUSHRING_", ""))).isEqualTo("PUSHRING_: names no configuration key");
    // Reported alphabetically, whatever the map's order.
    assertThat(envError(Map.of("PUSHRING_ZZZ", "1", "PUSHRING_AAA", "1"))).startsWith("PUSHRING_AAA:");
  }

  @Test
  void testPrefixAndForeignVariablesAreIgnored() {
    PushringConfig c = ConfigLoader.load(Map.of(), Map.of(
        "PUSHRING_TEST_BUILD_DIR", "/tmp/x", "PUSHRING_TEST_ANYTHING", "1", "PATH", "/bin", "pushring_http_port", "1"));
    assertThat(c).isEqualTo(ConfigLoader.load(Map.of(), NO_ENV));
  }
}
