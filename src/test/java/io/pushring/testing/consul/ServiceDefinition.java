package io.pushring.testing.consul;

import java.util.List;
import java.util.Map;

/**
 * A validated {@code PUT /v1/agent/service/register} body: what the agent keeps for a service
 * instance. {@code id} is already defaulted to {@code name}; {@code address} may be "" (clients then
 * fall back to the node address, as with real Consul).
 */
record ServiceDefinition(
    String id,
    String name,
    List<String> tags,
    String address,
    int port,
    Map<String, String> meta,
    int weightPassing,
    int weightWarning,
    boolean enableTagOverride,
    List<CheckDefinition> checks) {

  ServiceDefinition {
    tags = List.copyOf(tags);
    meta = Map.copyOf(meta);
    checks = List.copyOf(checks);
  }

  /** Same catalog entry (what Consul compares before bumping an index); checks aside. */
  boolean sameInstance(ServiceDefinition other) {
    return other != null && id.equals(other.id) && name.equals(other.name) && tags.equals(other.tags)
        && address.equals(other.address) && port == other.port && meta.equals(other.meta)
        && weightPassing == other.weightPassing && weightWarning == other.weightWarning
        && enableTagOverride == other.enableTagOverride;
  }
}
