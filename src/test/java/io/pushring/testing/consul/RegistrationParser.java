package io.pushring.testing.consul;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decodes and validates a service registration the way Consul's {@code AgentRegisterService} does,
 * with its 400 messages: "Request decode failed: ...", "Missing service name", "Invalid service
 * address", "Invalid check: Interval must be > 0 for ...", "Status for checks must ...".
 *
 * <p>Keys match case-insensitively and in snake_case too ({@code deregister_critical_service_after}),
 * as Go's JSON decoding plus Consul's key translation allow. JSON {@code null} counts as absent,
 * which matters because vertx-consul-client sends {@code "ID": null} and the like. Durations are Go
 * strings ("10s") or numbers of nanoseconds.
 */
final class RegistrationParser {
  /** Thrown with the exact text Consul answers, to be sent as a 400 body. */
  static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  private static final String INTERVAL_REQUIRED =
      "Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks";
  private static final Set<String> UNSUPPORTED_KINDS = Set.of(
      "grpc", "args", "scriptargs", "script", "dockercontainerid", "udp", "h2ping", "osservice",
      "aliasnode", "aliasservice");
  private static final Set<String> STATUSES = Set.of("passing", "warning", "critical");
  private static final Pattern META_KEY = Pattern.compile("[A-Za-z0-9_-]+");

  private RegistrationParser() {}

  static ServiceDefinition parse(Buffer body) {
    JsonObject json;
    try {
      json = body == null || body.length() == 0 ? new JsonObject() : new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw new BadRequest("Request decode failed: " + e.getMessage());
    }
    return parse(json);
  }

  static ServiceDefinition parse(JsonObject raw) {
    Map<String, Object> json = normalized(raw);
    String name = string(json, "name");
    if (name.isEmpty()) {
      throw new BadRequest("Missing service name");
    }
    String address = string(json, "address");
    if (address.equals("0.0.0.0") || address.equals("::") || address.equals("[::]")) {
      throw new BadRequest("Invalid service address");
    }
    String id = string(json, "id");
    Map<String, String> meta = stringMap(json.get("meta"), "Meta");
    validateMeta(meta);
    Map<String, Object> weights = normalized(object(json.get("weights"), "Weights"));
    int weightPassing = weights.isEmpty() ? 1 : integer(weights, "passing", 0);
    int weightWarning = weights.isEmpty() ? 1 : integer(weights, "warning", 0);
    if (weightPassing < 1) {
      throw new BadRequest("Invalid Weights: Passing must be greater than 0");
    }
    List<CheckDefinition> checks = new ArrayList<>();
    JsonObject single = object(json.get("check"), "Check");
    if (!isEmptyCheck(single)) {
      checks.add(check(single));
    }
    Object many = json.get("checks");
    if (many != null) {
      if (!(many instanceof JsonArray array)) {
        throw new BadRequest("Request decode failed: Checks must be an array");
      }
      for (Object each : array) {
        JsonObject check = object(each, "Checks");
        if (!isEmptyCheck(check)) {
          checks.add(check(check));
        }
      }
    }
    return new ServiceDefinition(id.isEmpty() ? name : id, name, stringList(json.get("tags"), "Tags"),
        address, integer(json, "port", 0), meta, weightPassing, weightWarning,
        bool(json, "enabletagoverride"), checks);
  }

  private static CheckDefinition check(JsonObject raw) {
    Map<String, Object> json = normalized(raw);
    for (String key : json.keySet()) {
      if (UNSUPPORTED_KINDS.contains(key) && !isZero(json.get(key))) {
        throw new BadRequest("Invalid check: " + key
            + " checks are not supported by ConsulTestServer (a test double: HTTP, TCP and TTL only)");
      }
    }
    String http = string(json, "http");
    String tcp = string(json, "tcp");
    Duration interval = duration(json, "interval");
    Duration ttl = duration(json, "ttl");
    boolean intervalCheck = !http.isEmpty() || !tcp.isEmpty();
    if (interval.compareTo(Duration.ZERO) > 0 && ttl.compareTo(Duration.ZERO) > 0) {
      throw new BadRequest("Invalid check: Interval and TTL cannot both be specified");
    }
    if (intervalCheck && interval.compareTo(Duration.ZERO) <= 0) {
      throw new BadRequest("Invalid check: " + INTERVAL_REQUIRED);
    }
    if (!intervalCheck && ttl.compareTo(Duration.ZERO) <= 0) {
      throw new BadRequest("Invalid check: TTL must be > 0 for TTL checks");
    }
    String status = string(json, "status");
    if (!status.isEmpty() && !STATUSES.contains(status)) {
      throw new BadRequest("Status for checks must 'passing', 'warning', 'critical'");
    }
    int failuresBeforeCritical = integer(json, "failuresbeforecritical", 0);
    int failuresBeforeWarning = integer(json, "failuresbeforewarning", 0);
    return new CheckDefinition(
        string(json, "checkid").isEmpty() ? string(json, "id") : string(json, "checkid"),
        string(json, "name"), string(json, "notes"), http,
        string(json, "method").isEmpty() ? "GET" : string(json, "method").toUpperCase(),
        header(json.get("header")), tcp, ttl, interval, duration(json, "timeout"),
        duration(json, "deregistercriticalserviceafter"), status,
        integer(json, "successbeforepassing", 0),
        // Consul: FailuresBeforeWarning defaults to FailuresBeforeCritical
        failuresBeforeWarning == 0 ? failuresBeforeCritical : failuresBeforeWarning,
        failuresBeforeCritical);
  }

  /** Consul ignores a {@code Check} whose every field is the zero value. */
  private static boolean isEmptyCheck(JsonObject check) {
    return check.isEmpty() || check.getMap().values().stream().allMatch(RegistrationParser::isZero);
  }

  private static boolean isZero(Object value) {
    return value == null || Boolean.FALSE.equals(value) || "".equals(value)
        || (value instanceof Number n && n.doubleValue() == 0)
        || (value instanceof JsonArray a && a.isEmpty())
        || (value instanceof JsonObject o && o.isEmpty());
  }

  private static void validateMeta(Map<String, String> meta) {
    if (meta.size() > 64) {
      throw new BadRequest("Invalid Service Meta: Node metadata cannot contain more than 64 key/value pairs");
    }
    for (Map.Entry<String, String> e : meta.entrySet()) {
      String problem = e.getKey().isEmpty() ? "Key cannot be blank"
          : !META_KEY.matcher(e.getKey()).matches() ? "Key contains invalid characters"
          : e.getKey().length() > 128 ? "Key is too long (limit: 128 characters)"
          : e.getKey().startsWith("consul-") ? "Key prefix 'consul-' is reserved for internal use"
          : e.getValue().length() > 512 ? "Value is too long (limit: 512 characters)" : null;
      if (problem != null) {
        throw new BadRequest("Invalid Service Meta: Couldn't load metadata pair ('" + e.getKey() + "', '"
            + e.getValue() + "'): " + problem);
      }
    }
  }

  /** Lower-cased keys without underscores; null values dropped (Go leaves the zero value). */
  private static Map<String, Object> normalized(JsonObject json) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : json) {
      if (e.getValue() != null) {
        out.put(e.getKey().replace("_", "").toLowerCase(), e.getValue());
      }
    }
    return out;
  }

  private static JsonObject object(Object value, String field) {
    if (value == null) {
      return new JsonObject();
    }
    if (value instanceof JsonObject o) {
      return o;
    }
    if (value instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) m;
      return new JsonObject(map);
    }
    throw new BadRequest("Request decode failed: " + field + " must be an object");
  }

  private static String string(Map<String, Object> json, String key) {
    Object value = json.get(key);
    if (value == null) {
      return "";
    }
    if (!(value instanceof String s)) {
      throw new BadRequest("Request decode failed: json: cannot unmarshal " + goType(value)
          + " into Go struct field of type string (" + key + ")");
    }
    return s;
  }

  private static int integer(Map<String, Object> json, String key, int absent) {
    Object value = json.get(key);
    if (value == null) {
      return absent;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new BadRequest("Request decode failed: json: cannot unmarshal " + goType(value)
          + " into Go struct field of type int (" + key + ")");
    }
    return n.intValue();
  }

  private static boolean bool(Map<String, Object> json, String key) {
    Object value = json.get(key);
    if (value != null && !(value instanceof Boolean)) {
      throw new BadRequest("Request decode failed: json: cannot unmarshal " + goType(value)
          + " into Go struct field of type bool (" + key + ")");
    }
    return Boolean.TRUE.equals(value);
  }

  private static Duration duration(Map<String, Object> json, String key) {
    Object value = json.get(key);
    if (value == null) {
      return Duration.ZERO;
    }
    if (value instanceof Number n) {
      return Duration.ofNanos(n.longValue());
    }
    if (!(value instanceof String s)) {
      throw new BadRequest("Request decode failed: invalid duration for " + key);
    }
    if (s.isEmpty()) {
      return Duration.ZERO;
    }
    try {
      return GoDuration.parse(s);
    } catch (IllegalArgumentException e) {
      throw new BadRequest("Request decode failed: " + e.getMessage());
    }
  }

  private static List<String> stringList(Object value, String field) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new BadRequest("Request decode failed: " + field + " must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (Object each : array) {
      if (!(each instanceof String s)) {
        throw new BadRequest("Request decode failed: " + field + " must be an array of strings");
      }
      out.add(s);
    }
    return out;
  }

  private static Map<String, String> stringMap(Object value, String field) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : object(value, field)) {
      if (!(e.getValue() instanceof String s)) {
        throw new BadRequest("Request decode failed: " + field + " values must be strings");
      }
      out.put(e.getKey(), s);
    }
    return out;
  }

  private static Map<String, List<String>> header(Object value) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : object(value, "Header")) {
      out.put(e.getKey(), stringList(e.getValue(), "Header." + e.getKey()));
    }
    return out;
  }

  private static String goType(Object value) {
    return value instanceof Number ? "number" : value instanceof Boolean ? "bool"
        : value instanceof JsonArray ? "array" : value instanceof JsonObject ? "object" : "string";
  }
}
