package io.pushring.config;

import static io.pushring.config.ValueType.bool;
import static io.pushring.config.ValueType.choice;
import static io.pushring.config.ValueType.duration;
import static io.pushring.config.ValueType.integer;
import static io.pushring.config.ValueType.list;
import static io.pushring.config.ValueType.oneOf;
import static io.pushring.config.ValueType.string;

import io.pushring.config.PushringConfig.DiscoveryMode;
import io.pushring.config.PushringConfig.PlacementKey;
import io.pushring.config.PushringConfig.RouterMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * THE table of configuration keys. Adding a key is one {@link #key} line here, plus the record
 * field it feeds in {@link PushringConfig} and {@link ConfigLoader}; defaults, conversion,
 * validation, environment names and the documentation check all derive from this table.
 */
public final class ConfigKeys {
  /** Every environment variable starting with this must name a key. */
  public static final String ENV_PREFIX = "PUSHRING_";
  /** Reserved for the test suite (e.g. {@code PUSHRING_TEST_BUILD_DIR}); never read as configuration. */
  public static final String TEST_ENV_PREFIX = "PUSHRING_TEST_";

  /**
   * Router modes that exist in the code. The others parse but are refused as not implemented yet:
   * enabling one is adding it here.
   */
  static final Set<RouterMode> IMPLEMENTED_ROUTER_MODES = EnumSet.of(RouterMode.AUTO, RouterMode.REDIRECT, RouterMode.PROXY);

  /** A User-Agent prefix: printable ASCII, no comma (the environment's list separator) and no space at the ends. */
  private static final Pattern USER_AGENT_PREFIX = Pattern.compile("[!-+\\--~]([ -+\\--~]*[!-+\\--~])?");

  /**
   * How often an open {@code /api/v1/tap} stream carries a comment line when no event flows
   * ({@code TapStream.KEEPALIVE_MILLIS}, checked by a test): the idle timeout must be longer, or it
   * would cut quiet tap streams.
   */
  public static final Duration TAP_HEARTBEAT = Duration.ofSeconds(15);

  private static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  /** Used in a URL path unescaped, so only characters that need no escaping; no empty segment. */
  private static final Pattern KV_KEY = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

  // Must precede the keys: key() appends to it during class initialisation.
  private static final List<ConfigKey<?>> TABLE = new ArrayList<>();

  // ---- http ----
  public static final ConfigKey<String> HTTP_HOST = key("http.host",
      string(Hosts::isHost, "a host name or IP address"), "0.0.0.0",
      "address the HTTP server binds; 0.0.0.0 = every IPv4 interface, :: = every interface");
  public static final ConfigKey<Integer> HTTP_PORT = key("http.port", integer(0, 65535), 9292,
      "port the HTTP server listens on, 0..65535 (0 = any free port, for tests)");
  public static final ConfigKey<Duration> HTTP_IDLE_TIMEOUT = key("http.idle-timeout",
      duration(Duration.ZERO, Duration.ofHours(24)), Duration.ofSeconds(60),
      "a connection that neither completes a request head or body chunk nor is written to for this long is"
          + " closed (silent, idle kept-alive and slow-header clients alike), 0..24h; 0 = never");
  public static final ConfigKey<String> HTTP_ADMIN = key("http.admin",
      string(s -> s.isEmpty() || Hosts.isHostPort(s, false, true), "\"\" or host:port with a port between 0 and 65535"), "",
      "second listener (host:port, e.g. 127.0.0.1:9293) for operators: the status page, /api/v1/*, /sd/pushgateways and"
          + " pushring's /metrics move there and answer 404 on http.port, which keeps pushes and /-/healthy, /-/ready;"
          + " \"\" = none, everything on http.port; port 0 = any free port (tests)");

  public static final ConfigKey<String> HTTP_WEB_CONFIG_FILE = key("http.web-config-file", string(), "",
      "Prometheus web configuration file (TLS, basic_auth_users, headers; the exporter-toolkit's schema) of the main"
          + " listener, re-read when it or its certificates change; \"\" = plain HTTP, no auth; also --web.config.file FILE");
  public static final ConfigKey<String> HTTP_ADMIN_WEB_CONFIG_FILE = key("http.admin-web-config-file", string(), "",
      "the admin listener's own Prometheus web configuration file (same schema and reloads as http.web-config-file),"
          + " needs http.admin; \"\" = the admin listener in plain HTTP, no auth");
  public static final ConfigKey<PushringConfig.Transport> HTTP_TRANSPORT = key("http.transport",
      choice(PushringConfig.Transport::configName, PushringConfig.Transport.values()), PushringConfig.Transport.AUTO,
      "auto | epoll | io_uring | nio: Netty transport of every socket (listeners, links to Pushgateways and Consul);"
          + " auto = io_uring, else epoll, else nio (measured best first); one the kernel or platform refuses falls back (io_uring, then epoll, then"
          + " nio) and the start log says why");

  // ---- router ----
  public static final ConfigKey<RouterMode> ROUTER_MODE = key("router.mode",
      choice(ConfigKeys::name, RouterMode.values())
          .check(IMPLEMENTED_ROUTER_MODES::contains, m -> "'" + name(m) + "' is not implemented yet"),
      RouterMode.AUTO,
      "auto | redirect | proxy: redirect pushes, proxy them, or (auto) redirect only clients known to follow a 307");
  public static final ConfigKey<Integer> ROUTER_REDIRECT_STATUS = key("router.redirect-status", oneOf(307, 308), 307,
      "307 | 308: status of the redirect; both make clients repeat the method and body");
  public static final ConfigKey<Integer> ROUTER_INSTANCES = key("router.instances", integer(0, 256), 0,
      "router verticles, 0..256; 0 = one per core");
  public static final ConfigKey<Duration> ROUTER_RETRY_AFTER = key("router.retry-after",
      duration(Duration.ofSeconds(1), Duration.ofHours(1))
          .check(d -> d.toMillis() % 1000 == 0, d -> "must be whole seconds (sent as Retry-After), got " + Durations.format(d)),
      Duration.ofSeconds(5),
      "Retry-After of the 503 answered when no Pushgateway is healthy, whole seconds, 1s..1h");
  public static final ConfigKey<List<String>> ROUTER_REDIRECT_USER_AGENTS = key("router.redirect-user-agents",
      list(string(s -> USER_AGENT_PREFIX.matcher(s).matches(), "a User-Agent prefix of printable ASCII without commas")),
      List.of("Go-http-client/", "Java/"),
      "auto mode: User-Agent prefixes of clients that follow a 307 with method and body (case-sensitive)");
  public static final ConfigKey<Integer> ROUTER_MAX_BODY = key("router.max-body", integer(1, Integer.MAX_VALUE), 16 << 20,
      "largest push body in bytes that proxy mode forwards; larger ones get 413");
  public static final ConfigKey<Duration> ROUTER_PROXY_TIMEOUT = key("router.proxy-timeout",
      duration(Duration.ofMillis(1), Duration.ofHours(1)), Duration.ofSeconds(30),
      "proxy mode: longest connect time or silence of a Pushgateway (504), or of a client sending its body (408), 1ms..1h");
  public static final ConfigKey<Integer> ROUTER_PROXY_BUFFER = key("router.proxy-buffer", integer(0, Integer.MAX_VALUE), 256 << 10,
      "proxy mode: bytes of a push body received whole before a connection to the Pushgateway is taken; larger bodies stream");
  public static final ConfigKey<Duration> ROUTER_UPLOAD_TIMEOUT = key("router.upload-timeout",
      duration(Duration.ofMillis(1), Duration.ofHours(1)), Duration.ofSeconds(60),
      "proxy mode: longest time to receive a whole push body; a slower upload gets 408 and is not stored, 1ms..1h");
  public static final ConfigKey<Duration> ROUTER_HANDOVER_WINDOW = key("router.handover-window",
      duration(Duration.ZERO, Duration.ofHours(24)), Duration.ofMinutes(10),
      "after a ring change, a PUT of a key whose owner changed first deletes the group on its previous owner(s) for this long, 0s..24h; 0s = never (the reconciler alone cleans)");
  public static final ConfigKey<Duration> ROUTER_HANDOVER_TIMEOUT = key("router.handover-timeout",
      duration(Duration.ofMillis(1), Duration.ofMinutes(1)), Duration.ofSeconds(1),
      "longest wait for a DELETE of a previous copy (handover, or a client DELETE sent to every member) before the push goes on, 1ms..1m");
  public static final ConfigKey<Integer> ROUTER_HANDOVER_MAX_KEYS = key("router.handover-max-keys", integer(0, 1 << 24), 1 << 18,
      "moved keys each router verticle remembers per ring change (at most 32 bytes each); beyond it the reconciler cleans, 0..16777216");

  // ---- placement ----
  public static final ConfigKey<PlacementKey> PLACEMENT_KEY = key("placement.key",
      choice(PlacementKey::configName, PlacementKey.values()), PlacementKey.GROUPING_KEY,
      "grouping-key | dynamic-sharding: what is hashed (dynamic-sharding = bit-compatible with ning1875/dynamic-sharding)");

  // ---- discovery ----
  public static final ConfigKey<DiscoveryMode> DISCOVERY_MODE = key("discovery.mode",
      choice(ConfigKeys::name, DiscoveryMode.values()), DiscoveryMode.CONSUL,
      "consul | static: take the ring from Consul's passing instances, or from discovery.static-members");
  public static final ConfigKey<List<String>> DISCOVERY_STATIC_MEMBERS = key("discovery.static-members",
      list(string(s -> Hosts.isHostPort(s, false), "host:port with a port between 1 and 65535")), List.of(),
      "host:port list, the ring when discovery.mode is static (required then)");
  public static final ConfigKey<PushringConfig.OnEmpty> DISCOVERY_ON_EMPTY = key("discovery.on-empty",
      choice(ConfigKeys::name, PushringConfig.OnEmpty.values()), PushringConfig.OnEmpty.KEEP_LAST,
      "keep-last | empty: when Consul reports no passing Pushgateway, keep routing on the last ring, or empty it (503s)");

  // ---- consul ----
  public static final ConfigKey<String> CONSUL_ADDRESS = key("consul.address",
      string(s -> Hosts.isHostPort(s, false), "host:port"), "127.0.0.1:8500",
      "host:port of the Consul agent");
  public static final ConfigKey<String> CONSUL_SCHEME = key("consul.scheme", choice("http", "https"), "http",
      "http | https");
  public static final ConfigKey<String> CONSUL_TOKEN = key("consul.token", string(), "",
      "ACL token sent to Consul (X-Consul-Token); empty = none (or consul.token-file); never logged");
  public static final ConfigKey<String> CONSUL_TOKEN_FILE = key("consul.token-file", string(), "",
      "file holding the ACL token (surrounding whitespace ignored), re-read when it changes and when Consul refuses the token;"
          + " empty = none; excludes consul.token");
  public static final ConfigKey<String> CONSUL_TLS_CA_FILE = key("consul.tls.ca-file", string(), "",
      "consul.scheme https: PEM file of the CAs that sign Consul's certificate; empty = the JVM's trust store");
  public static final ConfigKey<String> CONSUL_TLS_CERT_FILE = key("consul.tls.cert-file", string(), "",
      "consul.scheme https: PEM client certificate (chain) for Consul's verify_incoming; with consul.tls.key-file; empty = none");
  public static final ConfigKey<String> CONSUL_TLS_KEY_FILE = key("consul.tls.key-file", string(), "",
      "consul.scheme https: PEM private key (PKCS#8 or PKCS#1) of consul.tls.cert-file; empty = none");
  public static final ConfigKey<String> CONSUL_TLS_SERVER_NAME = key("consul.tls.server-name", string(), "",
      "consul.scheme https: the name Consul's certificate must carry; empty = the host of consul.address");
  public static final ConfigKey<Boolean> CONSUL_TLS_INSECURE_SKIP_VERIFY = key("consul.tls.insecure-skip-verify", bool(), false,
      "true | false: accept any certificate from Consul (no CA or name check): tests only");
  public static final ConfigKey<String> CONSUL_DATACENTER = key("consul.datacenter", string(), "",
      "datacenter to query; empty = the agent's own");
  public static final ConfigKey<String> CONSUL_SERVICE = key("consul.service",
      string(s -> SERVICE_NAME.matcher(s).matches(), "a service name of letters, digits, '-', '_' or '.'"), "pushgateway",
      "Consul service name of the Pushgateways (registered and watched)");
  public static final ConfigKey<Duration> CONSUL_WAIT = key("consul.wait",
      duration(Duration.ofSeconds(1), Duration.ofMinutes(10)), Duration.ofSeconds(30),
      "longest wait of one blocking health query, 1s..10m (Consul's maximum)");
  public static final ConfigKey<String> CONSUL_ADMITTED_KEY = key("consul.admitted-key",
      string(s -> s.isEmpty() || KV_KEY.matcher(s).matches(),
          "a Consul KV key of letters, digits, '-', '_', '.' and '/' (not starting or ending with '/'), or empty"), "",
      "Consul KV key where the reconciler publishes the Pushgateways Prometheus may scrape (every instance watches it);"
          + " empty = pushring/<consul.service>/admitted");

  // ---- pushgateways (what the registrar registers) ----
  public static final ConfigKey<Boolean> PUSHGATEWAYS_REGISTER = key("pushgateways.register", bool(), true,
      "true | false: register pushgateways.servers in Consul at start");
  public static final ConfigKey<String> PUSHGATEWAYS_SCHEME = key("pushgateways.scheme", choice("http", "https"), "http",
      "http | https: how the Pushgateways are reached: redirect targets, proxied pushes, handover DELETEs, the reconciler,"
          + " the Consul health check");
  public static final ConfigKey<Integer> PUSHGATEWAYS_PORT = key("pushgateways.port", integer(1, 65535), 9091,
      "port of a server listed without one, 1..65535");
  public static final ConfigKey<List<String>> PUSHGATEWAYS_SERVERS = key("pushgateways.servers",
      list(string(s -> Hosts.isHostPort(s, true), "host or host:port")), List.of(),
      "host or host:port list of the Pushgateways to register");
  public static final ConfigKey<Duration> PUSHGATEWAYS_RECONCILE_INTERVAL = key("pushgateways.reconcile-interval",
      duration(Duration.ofSeconds(1), Duration.ofHours(1)), Duration.ofSeconds(30),
      "how often the registrar re-registers servers Consul has dropped, 1s..1h");
  public static final ConfigKey<String> CHECK_PATH = key("pushgateways.check.path",
      string(s -> s.startsWith("/"), "a path starting with /"), "/-/healthy",
      "HTTP path of the Consul health check");
  public static final ConfigKey<Duration> CHECK_INTERVAL = key("pushgateways.check.interval",
      duration(Duration.ofSeconds(1), Duration.ofHours(1)), Duration.ofSeconds(5),
      "how often Consul runs the check, 1s..1h");
  public static final ConfigKey<Duration> CHECK_TIMEOUT = key("pushgateways.check.timeout",
      duration(Duration.ofMillis(1), Duration.ofHours(1)), Duration.ofSeconds(2),
      "timeout of one check, shorter than the interval");
  public static final ConfigKey<Duration> CHECK_DEREGISTER_AFTER = key("pushgateways.check.deregister-after",
      duration(Duration.ofMinutes(1), null), Duration.ofMinutes(1),
      "Consul removes a service critical for this long, at least 1m (Consul's minimum)");

  // ---- pushgateways.tls, credentials (how pushring itself talks to the Pushgateways) ----
  public static final ConfigKey<String> PUSHGATEWAYS_TLS_CA_FILE = key("pushgateways.tls.ca-file", string(), "",
      "https: PEM file of the CA(s) the Pushgateways' certificates must chain to; \"\" = the JVM's trust store");
  public static final ConfigKey<String> PUSHGATEWAYS_TLS_CERT_FILE = key("pushgateways.tls.cert-file", string(), "",
      "https: PEM client certificate pushring presents (with pushgateways.tls.key-file); \"\" = none");
  public static final ConfigKey<String> PUSHGATEWAYS_TLS_KEY_FILE = key("pushgateways.tls.key-file", string(), "",
      "https: PEM private key of pushgateways.tls.cert-file (PKCS#8, PKCS#1 or SEC1); \"\" = none");
  public static final ConfigKey<String> PUSHGATEWAYS_TLS_SERVER_NAME = key("pushgateways.tls.server-name",
      string(s -> s.isEmpty() || Hosts.isHost(s), "a host name"), "",
      "https: the name every Pushgateway's certificate must carry (also sent as SNI); \"\" = each member's own host");
  public static final ConfigKey<Boolean> PUSHGATEWAYS_TLS_INSECURE_SKIP_VERIFY = key("pushgateways.tls.insecure-skip-verify",
      bool(), false,
      "true | false: https without checking the Pushgateways' certificates (proxy, reconciler, Consul check TLSSkipVerify); tests only");
  public static final ConfigKey<String> PUSHGATEWAYS_BASIC_AUTH_USERNAME = key("pushgateways.basic-auth.username", string(), "",
      "user of the fleet credential that replaces the client's Authorization on every request pushring sends to a"
          + " Pushgateway (with pushgateways.basic-auth.password-file); \"\" = none");
  public static final ConfigKey<String> PUSHGATEWAYS_BASIC_AUTH_PASSWORD_FILE = key("pushgateways.basic-auth.password-file",
      string(), "", "file holding the fleet password (re-read when it changes; surrounding whitespace ignored)");
  public static final ConfigKey<String> PUSHGATEWAYS_BEARER_TOKEN_FILE = key("pushgateways.bearer-token-file", string(), "",
      "file holding a bearer token sent instead of the client's Authorization (re-read when it changes); \"\" = none;"
          + " excludes pushgateways.basic-auth");

  // ---- tap ----
  public static final ConfigKey<Boolean> TAP_ENABLED = key("tap.enabled", bool(), true,
      "true | false: publish routing decisions for /api/v1/tap and the status page");
  public static final ConfigKey<Integer> TAP_MAX_SUBSCRIBERS = key("tap.max-subscribers", integer(1, 100_000), 100,
      "open /api/v1/tap streams at most, 1..100000; one more is answered 503 with Retry-After");

  // ---- reconcile ----
  public static final ConfigKey<Boolean> RECONCILE_ENABLED = key("reconcile.enabled", bool(), false,
      "true | false: run the reconciler (moves groups to their owner after ring changes); consul mode: take part in"
          + " the election of the one instance that reconciles (enable it on every instance); static mode: reconcile"
          + " from this instance (enable it on one)");
  public static final ConfigKey<Duration> RECONCILE_INTERVAL = key("reconcile.interval",
      duration(Duration.ofSeconds(1), Duration.ofHours(24)), Duration.ofSeconds(30),
      "time between two reconcile passes, 1s..24h");
  public static final ConfigKey<Duration> RECONCILE_SETTLE = key("reconcile.settle",
      duration(Duration.ZERO, Duration.ofMinutes(10)), Duration.ofSeconds(5),
      "wait after a ring change before the pass it triggers (a later change restarts the wait), 0s..10m");
  public static final ConfigKey<Duration> RECONCILE_QUIET = key("reconcile.quiet",
      duration(Duration.ZERO, Duration.ofHours(24)), Duration.ofSeconds(60),
      "a group off its owner is migrated only when no copy of it was pushed for this long, 0s..24h");
  public static final ConfigKey<Integer> RECONCILE_RATE = key("reconcile.rate", integer(1, 10_000), 20,
      "most writes (PUT or DELETE) per second the reconciler sends to one Pushgateway, 1..10000");
  public static final ConfigKey<Boolean> RECONCILE_DRY_RUN = key("reconcile.dry-run", bool(), false,
      "true | false: plan and report every pass, write nothing");
  public static final ConfigKey<Integer> RECONCILE_MAX_ACTIONS = key("reconcile.max-actions", integer(1, 1_000_000), 1_000,
      "most deletes and migrations one pass carries out, 1..1000000; the rest waits for the next pass, which starts at once");
  public static final ConfigKey<Duration> RECONCILE_DEPARTED_RETENTION = key("reconcile.departed-retention",
      duration(Duration.ZERO, Duration.ofDays(7)), Duration.ofMinutes(10),
      "how long a member that left the ring is still tried while it cannot be read (a flapping check, a restart), 0s..7d");
  public static final ConfigKey<Duration> RECONCILE_LOCK_TTL = key("reconcile.lock.ttl",
      duration(Duration.ofSeconds(1), Duration.ofHours(24)), Duration.ofSeconds(10),
      "consul mode: TTL of the leader's Consul session, renewed every half of it; the leader stops when no renew"
          + " succeeded for this long, 1s..24h (Consul refuses less than its session_ttl_min, 10s by default)");
  public static final ConfigKey<Duration> RECONCILE_LOCK_LOCK_DELAY = key("reconcile.lock.lock-delay",
      duration(Duration.ZERO, Duration.ofSeconds(60)), Duration.ofSeconds(5),
      "consul mode: after the leader's session is invalidated, nobody may take the lock for this long (time for a"
          + " leader cut off from Consul to notice and stop), 0s..60s (Consul's maximum)");
  public static final ConfigKey<String> RECONCILE_LOCK_KEY = key("reconcile.lock.key",
      string(s -> s.isEmpty() || KV_KEY.matcher(s).matches(), "a Consul KV key of letters, digits, '-', '_', '.' and inner '/'"), "",
      "consul mode: the KV key that is the reconcile lock (its value names the leader); \"\" = pushring/<consul.service>/reconcile-leader");

  // ---- access-log ----
  public static final ConfigKey<Integer> ACCESS_LOG_EVERY = key("access-log.every", integer(0, 1_000_000), 0,
      "sampled access log: one line per N requests on the push API, 0..1000000; 0 = none");

  // Must follow the keys.
  private static final List<ConfigKey<?>> ALL = List.copyOf(TABLE);
  private static final Map<String, ConfigKey<?>> BY_PATH = index(ConfigKey::path);
  private static final Map<String, ConfigKey<?>> BY_ENV = index(ConfigKey::envName);
  private static final Set<String> SECTIONS = sections();

  /** Rules spanning two keys; each names the key reported when it fails. */
  record Rule(ConfigKey<?> key, Function<Resolved, String> problem) {}

  static final List<Rule> RULES = List.of(
      new Rule(HTTP_IDLE_TIMEOUT, ConfigKeys::idleTimeoutProblem),
      new Rule(HTTP_ADMIN_WEB_CONFIG_FILE, v -> !v.get(HTTP_ADMIN_WEB_CONFIG_FILE).isEmpty() && v.get(HTTP_ADMIN).isEmpty()
          ? "needs http.admin (the listener it configures); the main listener's file is http.web-config-file" : null),
      // In dynamic-sharding mode the owner hashes the URL as the client spelled it, which the
      // Pushgateway API does not keep: the reconciler cannot know a group's owner.
      new Rule(RECONCILE_ENABLED, v -> v.get(RECONCILE_ENABLED) && v.get(PLACEMENT_KEY) == PushringConfig.PlacementKey.DYNAMIC_SHARDING
          ? "cannot be true with placement.key dynamic-sharding (the owner depends on the URL spelling, which the Pushgateway does not keep)" : null),
      new Rule(DISCOVERY_STATIC_MEMBERS, v -> v.get(DISCOVERY_MODE) == DiscoveryMode.STATIC
          && v.get(DISCOVERY_STATIC_MEMBERS).isEmpty()
          ? "must list at least one host:port when discovery.mode is static" : null),
      new Rule(PUSHGATEWAYS_TLS_KEY_FILE, v -> v.get(PUSHGATEWAYS_TLS_CERT_FILE).isEmpty() != v.get(PUSHGATEWAYS_TLS_KEY_FILE).isEmpty()
          ? "pushgateways.tls.cert-file and pushgateways.tls.key-file go together: set both or neither" : null),
      new Rule(PUSHGATEWAYS_SCHEME, ConfigKeys::upstreamTlsProblem),
      new Rule(PUSHGATEWAYS_BASIC_AUTH_PASSWORD_FILE, v -> v.get(PUSHGATEWAYS_BASIC_AUTH_USERNAME).isEmpty()
          != v.get(PUSHGATEWAYS_BASIC_AUTH_PASSWORD_FILE).isEmpty()
          ? "pushgateways.basic-auth.username and pushgateways.basic-auth.password-file go together: set both or neither" : null),
      new Rule(PUSHGATEWAYS_BEARER_TOKEN_FILE, v -> !v.get(PUSHGATEWAYS_BEARER_TOKEN_FILE).isEmpty()
          && !v.get(PUSHGATEWAYS_BASIC_AUTH_USERNAME).isEmpty()
          ? "cannot be set with pushgateways.basic-auth: one fleet credential replaces the client's Authorization" : null),
      new Rule(CONSUL_TOKEN_FILE, v -> !v.get(CONSUL_TOKEN_FILE).isEmpty() && !v.get(CONSUL_TOKEN).isEmpty()
          ? "cannot be set together with consul.token (which token would win?): set one" : null),
      new Rule(CHECK_TIMEOUT, v -> v.get(CHECK_TIMEOUT).compareTo(v.get(CHECK_INTERVAL)) >= 0
          ? "must be shorter than pushgateways.check.interval (" + Durations.format(v.get(CHECK_INTERVAL))
              + "), got " + Durations.format(v.get(CHECK_TIMEOUT)) : null));

  private ConfigKeys() {}

  /** TLS settings under http would be silently ignored: an operator who wrote them meant https. */
  private static String upstreamTlsProblem(Resolved v) {
    if ("https".equals(v.get(PUSHGATEWAYS_SCHEME))) return null;
    for (ConfigKey<String> k : List.of(PUSHGATEWAYS_TLS_CA_FILE, PUSHGATEWAYS_TLS_CERT_FILE, PUSHGATEWAYS_TLS_SERVER_NAME)) {
      if (!v.get(k).isEmpty()) return "is http but " + k.path() + " is set (TLS settings apply to https only)";
    }
    return v.get(PUSHGATEWAYS_TLS_INSECURE_SKIP_VERIFY)
        ? "is http but pushgateways.tls.insecure-skip-verify is set (TLS settings apply to https only)" : null;
  }

  /** A client waiting for a proxied answer, and a quiet tap stream, are silent connections too. */
  private static String idleTimeoutProblem(Resolved v) {
    Duration idle = v.get(HTTP_IDLE_TIMEOUT);
    if (idle.isZero()) return null;
    Duration proxy = v.get(ROUTER_PROXY_TIMEOUT);
    if (idle.compareTo(proxy) <= 0) {
      return "must be longer than router.proxy-timeout (" + Durations.format(proxy) + ") or 0, got "
          + Durations.format(idle) + ": a client waiting for its Pushgateway's answer sends nothing meanwhile";
    }
    if (v.get(TAP_ENABLED) && idle.compareTo(TAP_HEARTBEAT) <= 0) {
      return "must be longer than the tap's " + Durations.format(TAP_HEARTBEAT) + " heartbeat (or 0, or tap.enabled: false), got "
          + Durations.format(idle) + ": it would cut quiet /api/v1/tap streams";
    }
    return null;
  }

  /** Every key, in the order of {@code pushring.yaml}. */
  public static List<ConfigKey<?>> all() { return ALL; }

  static ConfigKey<?> byPath(String path) { return BY_PATH.get(path); }

  static ConfigKey<?> byEnvName(String name) { return BY_ENV.get(name); }

  /** Dotted paths of the mappings that hold keys: {@code http}, {@code pushgateways.check}, ... */
  static boolean isSection(String path) { return SECTIONS.contains(path); }

  /** Known names directly under {@code section} ("" = top level), for did-you-mean hints. */
  static List<String> children(String section) {
    String prefix = section.isEmpty() ? "" : section + ".";
    Set<String> out = new LinkedHashSet<>();
    for (ConfigKey<?> k : ALL) {
      if (!k.path().startsWith(prefix)) continue;
      String rest = k.path().substring(prefix.length());
      int dot = rest.indexOf('.');
      out.add(prefix + (dot < 0 ? rest : rest.substring(0, dot)));
    }
    return List.copyOf(out);
  }

  static Set<String> envNames() { return BY_ENV.keySet(); }

  private static <T> ConfigKey<T> key(String path, ValueType<T> type, T defaultValue, String doc) {
    ConfigKey<T> k = new ConfigKey<>(path, type, defaultValue, doc);
    TABLE.add(k);
    return k;
  }

  private static String name(Enum<?> e) { return e.name().toLowerCase(Locale.ROOT).replace('_', '-'); }

  private static Map<String, ConfigKey<?>> index(Function<ConfigKey<?>, String> by) {
    Map<String, ConfigKey<?>> m = new LinkedHashMap<>();
    for (ConfigKey<?> k : ALL) {
      if (m.put(by.apply(k), k) != null) throw new IllegalStateException("two config keys map to " + by.apply(k));
      if (k.envName().startsWith(TEST_ENV_PREFIX)) throw new IllegalStateException(k + " collides with " + TEST_ENV_PREFIX);
    }
    return Map.copyOf(m);
  }

  private static Set<String> sections() {
    Set<String> s = new HashSet<>();
    for (ConfigKey<?> k : ALL) {
      String p = k.path();
      for (int dot = p.indexOf('.'); dot > 0; dot = p.indexOf('.', dot + 1)) s.add(p.substring(0, dot));
    }
    for (String section : s) {
      if (BY_PATH.containsKey(section)) throw new IllegalStateException(section + " is both a key and a section");
    }
    return Set.copyOf(s);
  }
}
