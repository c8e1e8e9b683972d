package io.pushring.web;

import io.pushring.web.WebConfig.ClientAuth;
import io.pushring.web.WebConfig.Tls;
import io.pushring.web.WebConfig.TlsVersion;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.DumperOptions;

/**
 * Parses a Prometheus web configuration file into a {@link WebConfig}. Pure: text in, value out; the
 * files it names are not read here ({@link WebConfigLoader} does).
 *
 * <p>Accepts and refuses what Pushgateway 1.5.1 (exporter-toolkit, go-yaml v2 in strict mode, Go
 * 1.19's crypto/tls) accepts and refuses at start, checked by {@code WebConfigDifferentialTest}: unknown
 * and duplicate keys, a scalar of the wrong type (a quoted {@code "true"} for a boolean; any scalar is
 * text for a string, as go-yaml does), unknown client-auth types, TLS versions, cipher suites and curves,
 * headers other than the five the toolkit allows, bcrypt hashes that are not hashes, client CAs without
 * a client-auth policy, a cert without a key and the reverse, and (with HTTP/2 on) a cipher list without
 * the AES-128-GCM suite HTTP/2 requires. A null value ({@code key:} alone) is the type's zero value, as
 * in go-yaml: {@code http2:} alone is false.
 *
 * <p>Stricter than the Pushgateway, on purpose (a file it starts with and then cannot serve with):
 * {@code min_version} above {@code max_version} (every handshake would fail), and bcrypt hashes other
 * than {@code $2a$}, {@code $2b$}, {@code $2y$} with a cost of 04..31 (Go starts with a {@code $2x$} or
 * {@code $1$...} string and then refuses every password).
 */
public final class WebConfigParser {
  private WebConfigParser() {}

  /** Go 1.19's {@code tls.CipherSuites()}: the names the toolkit accepts (IANA names, as in the JDK). */
  static final Set<String> CIPHER_SUITES = Set.of(
      "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA",
      "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");

  /** TLS 1.3 suites: Go does not let them be configured (they are always on), and neither does pushring. */
  static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256");

  /** One of these must be in {@code cipher_suites} when HTTP/2 is on (Go's http2 refuses to start otherwise). */
  static final List<String> HTTP2_REQUIRED = List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");

  /** The toolkit's curve names and the JDK's named groups. */
  static final Map<String, String> CURVES = Map.of(
      "CurveP256", "secp256r1", "CurveP384", "secp384r1", "CurveP521", "secp521r1", "X25519", "x25519");

  /** Headers the toolkit lets a file set, and the only values allowed for the enumerated ones (empty: any). */
  static final Map<String, List<String>> HEADERS = Map.of(
      "Strict-Transport-Security", List.of(),
      "X-Content-Type-Options", List.of("nosniff"),
      "X-Frame-Options", List.of("deny", "sameorigin"),
      "X-XSS-Protection", List.of(),
      "Content-Security-Policy", List.of());

  /** What OpenBSD bcrypt (BouncyCastle's OpenBSDBCrypt) verifies: version, two-digit cost 04..31, 22+31 characters. */
  private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");

  private static final Set<String> TOP = Set.of("tls_server_config", "http_server_config", "basic_auth_users");
  private static final Set<String> TLS_KEYS = Set.of("cert_file", "key_file", "client_auth_type", "client_ca_file",
      "cipher_suites", "curve_preferences", "min_version", "max_version", "prefer_server_cipher_suites");
  private static final Set<String> HTTP_KEYS = Set.of("http2", "headers");

  /**
   * @param yaml the file's text
   * @param file the file (relative paths in it resolve against its directory)
   * @throws WebConfigException naming the offending key
   */
  public static WebConfig parse(String yaml, Path file) {
    Path dir = file.toAbsolutePath().getParent();
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(true);   // detected below, with the key's path
      root = new Yaml(options).compose(new StringReader(yaml));
    } catch (MarkedYAMLException e) {
      throw new WebConfigException("", "invalid YAML at line " + (e.getProblemMark().getLine() + 1) + ": "
          + oneLine(e.getProblem()));
    } catch (YAMLException e) {
      throw new WebConfigException("", "invalid YAML: " + oneLine(e.getMessage()));
    }
    if (isNull(root)) return new WebConfig(Optional.empty(), Map.of(), Map.of(), true);
    Map<String, Node> top = mapping(root, "", TOP);

    Map<String, Node> http = top.containsKey("http_server_config")
        ? mapping(top.get("http_server_config"), "http_server_config", HTTP_KEYS) : Map.of();
    boolean http2 = http.containsKey("http2") ? bool(http.get("http2"), "http_server_config.http2") : true;
    Map<String, String> headers = stringMap(http.get("headers"), "http_server_config.headers");
    headers.forEach(WebConfigParser::checkHeader);

    Map<String, String> users = stringMap(top.get("basic_auth_users"), "basic_auth_users");
    users.forEach((user, hash) -> {
      if (!BCRYPT.matcher(hash).matches()) {
        throw new WebConfigException("basic_auth_users." + user,
            "not a bcrypt hash (expected $2a$, $2b$ or $2y$, a cost of 04..31 and 53 characters: 60 in all)");
      }
    });

    Optional<Tls> tls = top.containsKey("tls_server_config")
        ? tls(top.get("tls_server_config"), dir, http2) : Optional.empty();
    return new WebConfig(tls, users, headers, http2);
  }

  private static Optional<Tls> tls(Node node, Path dir, boolean http2) {
    if (isNull(node)) return Optional.empty();
    String p = "tls_server_config.";
    Map<String, Node> m = mapping(node, "tls_server_config", TLS_KEYS);
    String cert = string(m.get("cert_file"), p + "cert_file");
    String key = string(m.get("key_file"), p + "key_file");
    String authName = string(m.get("client_auth_type"), p + "client_auth_type");
    String ca = string(m.get("client_ca_file"), p + "client_ca_file");
    List<String> ciphers = list(m.get("cipher_suites"), p + "cipher_suites");
    for (String c : ciphers) {
      if (!CIPHER_SUITES.contains(c)) throw new WebConfigException(p + "cipher_suites", "unknown cipher: " + c);
    }
    List<String> curves = new ArrayList<>();
    for (String c : list(m.get("curve_preferences"), p + "curve_preferences")) {
      String group = CURVES.get(c);
      if (group == null) {
        throw new WebConfigException(p + "curve_preferences", "unknown curve: " + c + " (one of CurveP256, CurveP384, CurveP521, X25519)");
      }
      curves.add(group);
    }
    TlsVersion min = version(m.get("min_version"), p + "min_version", TlsVersion.TLS12);
    TlsVersion max = version(m.get("max_version"), p + "max_version", TlsVersion.TLS13);
    boolean prefer = m.containsKey("prefer_server_cipher_suites")
        ? bool(m.get("prefer_server_cipher_suites"), p + "prefer_server_cipher_suites") : true;
    ClientAuth auth = clientAuth(authName);

    // As the toolkit: without any of these four, the section configures no TLS (plain HTTP).
    if (cert.isEmpty() && key.isEmpty() && authName.isEmpty() && ca.isEmpty()) return Optional.empty();
    if (cert.isEmpty()) throw new WebConfigException(p + "cert_file", "missing cert_file");
    if (key.isEmpty()) throw new WebConfigException(p + "key_file", "missing key_file");
    if (!ca.isEmpty() && auth == ClientAuth.NO_CLIENT_CERT) {
      throw new WebConfigException(p + "client_ca_file", "client CAs are configured without a client auth policy"
          + " (set client_auth_type)");
    }
    if (min.compareTo(max) > 0) {
      throw new WebConfigException(p + "min_version", "min_version " + min + " is above max_version " + max
          + " (every handshake would fail)");
    }
    if (http2 && !ciphers.isEmpty() && ciphers.stream().noneMatch(HTTP2_REQUIRED::contains)) {
      throw new WebConfigException(p + "cipher_suites", "HTTP/2 (http_server_config.http2, on by default) needs "
          + String.join(" or ", HTTP2_REQUIRED) + " in cipher_suites");
    }
    return Optional.of(new Tls(dir.resolve(cert), dir.resolve(key), auth,
        ca.isEmpty() ? Optional.empty() : Optional.of(dir.resolve(ca)), min, max, ciphers, curves, prefer));
  }

  private static ClientAuth clientAuth(String name) {
    if (name.isEmpty()) return ClientAuth.NO_CLIENT_CERT;
    if (name.equals("RequireClientCert")) return ClientAuth.REQUIRE_ANY_CLIENT_CERT;   // the toolkit's old name
    for (ClientAuth a : ClientAuth.values()) if (a.configName().equals(name)) return a;
    throw new WebConfigException("tls_server_config.client_auth_type", "invalid client_auth_type: " + name
        + " (one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert)");
  }

  private static TlsVersion version(Node node, String path, TlsVersion absent) {
    if (node == null || isNull(node)) return absent;
    String s = string(node, path);
    try {
      return TlsVersion.valueOf(s);
    } catch (IllegalArgumentException e) {
      throw new WebConfigException(path, "unknown TLS version: " + s + " (one of TLS10, TLS11, TLS12, TLS13)");
    }
  }

  private static void checkHeader(String name, String value) {
    String path = "http_server_config.headers." + name;
    List<String> allowed = HEADERS.get(name);
    if (allowed == null) {
      throw new WebConfigException(path, "HTTP header \"" + name + "\" can not be configured (one of "
          + String.join(", ", HEADERS.keySet().stream().sorted().toList()) + ", spelled so)");
    }
    if (!allowed.isEmpty() && !allowed.contains(value)) {
      throw new WebConfigException(path, "invalid value " + quote(value) + " (one of " + String.join(", ", allowed) + ")");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) throw new WebConfigException(path, "control character in the value");
    }
  }

  // ---- go-yaml v2 strict decoding, on the node tree ----

  private static boolean isNull(Node node) {
    return node == null || (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL));
  }

  /** A mapping with only {@code known} keys, each once; null = empty. */
  private static Map<String, Node> mapping(Node node, String path, Set<String> known) {
    Map<String, Node> out = new LinkedHashMap<>();
    if (isNull(node)) return out;
    if (!(node instanceof MappingNode m)) throw typeError(node, path, "a mapping");
    for (NodeTuple t : m.getValue()) {
      String name = keyOf(t.getKeyNode(), path);
      String child = path.isEmpty() ? name : path + "." + name;
      if (!known.contains(name)) {
        throw new WebConfigException(child, "unknown key (line " + line(t.getKeyNode()) + "; known: "
            + String.join(", ", known.stream().sorted().toList()) + ")");
      }
      if (out.put(name, t.getValueNode()) != null) {
        throw new WebConfigException(child, "set twice (line " + line(t.getKeyNode()) + ")");
      }
    }
    return out;
  }

  /** A mapping of scalars to scalars (user to hash, header to value); null = empty. */
  private static Map<String, String> stringMap(Node node, String path) {
    Map<String, String> out = new LinkedHashMap<>();
    if (isNull(node)) return out;
    if (!(node instanceof MappingNode m)) throw typeError(node, path, "a mapping");
    for (NodeTuple t : m.getValue()) {
      String name = keyOf(t.getKeyNode(), path);
      String child = path + "." + name;
      if (out.containsKey(name)) throw new WebConfigException(child, "set twice (line " + line(t.getKeyNode()) + ")");
      out.put(name, string(t.getValueNode(), child));
    }
    return out;
  }

  private static String keyOf(Node key, String path) {
    if (!(key instanceof ScalarNode s)) throw typeError(key, path, "a scalar key");
    return s.getValue();
  }

  /** Any scalar is text (go-yaml hands its source text to a string field); null = "". */
  private static String string(Node node, String path) {
    if (isNull(node)) return "";
    if (!(node instanceof ScalarNode s)) throw typeError(node, path, "a string");
    return s.getValue();
  }

  /** YAML 1.1 booleans (true, yes, on, ...) unquoted; a quoted "true" is a string and refused, as in go-yaml. */
  private static boolean bool(Node node, String path) {
    if (isNull(node)) return false;
    if (node instanceof ScalarNode s && s.getTag().equals(Tag.BOOL)) {
      String v = s.getValue().toLowerCase(Locale.ROOT);
      return v.equals("true") || v.equals("yes") || v.equals("on");
    }
    throw typeError(node, path, "true or false");
  }

  private static List<String> list(Node node, String path) {
    List<String> out = new ArrayList<>();
    if (isNull(node)) return out;
    if (!(node instanceof SequenceNode seq)) throw typeError(node, path, "a list");
    for (Node item : seq.getValue()) out.add(string(item, path));
    return out;
  }

  private static WebConfigException typeError(Node node, String path, String expected) {
    String got = node instanceof MappingNode ? "a mapping" : node instanceof SequenceNode ? "a list"
        : node instanceof ScalarNode s && s.getScalarStyle() != DumperOptions.ScalarStyle.PLAIN ? "a quoted string"
        : "'" + ((ScalarNode) node).getValue() + "'";
    return new WebConfigException(path, "expected " + expected + ", got " + got + " (line " + line(node) + ")");
  }

  private static int line(Node node) {
    return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s+", " ").strip();
  }
}
