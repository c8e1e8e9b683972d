package io.pushring.testing.consul;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One check of a service registration, as Consul's {@code CheckType} holds it after decoding. Only
 * the kinds the test double can run are representable: HTTP, TCP and TTL. Durations are
 * {@link Duration#ZERO} when absent, as Go's zero value.
 *
 * @param checkId the requested CheckID, or "" to let the agent name it ("service:ID[:n]")
 * @param status the requested initial status, or "" (then: critical)
 */
record CheckDefinition(
    String checkId,
    String name,
    String notes,
    String http,
    String method,
    Map<String, List<String>> header,
    String tcp,
    Duration ttl,
    Duration interval,
    Duration timeout,
    Duration deregisterCriticalServiceAfter,
    String status,
    int successBeforePassing,
    int failuresBeforeWarning,
    int failuresBeforeCritical) {

  CheckDefinition {
    header = Map.copyOf(header);
  }

  boolean isHttp() {
    return !http.isEmpty();
  }

  boolean isTcp() {
    return !tcp.isEmpty();
  }

  boolean isTtl() {
    return ttl.compareTo(Duration.ZERO) > 0;
  }

  /** "http", "tcp" or "ttl": Consul's {@code HealthCheck.Type}. */
  String type() {
    return isHttp() ? "http" : isTcp() ? "tcp" : "ttl";
  }
}
