package io.pushring.testing.consul;

import io.pushring.testing.consul.Catalog.CheckState;
import io.pushring.testing.consul.Catalog.Instance;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of Consul's answers, field names as in Consul's {@code structs} and the Go {@code
 * api} package (what Prometheus decodes) and as vertx-consul-client's parsers read them: {@code
 * ServiceEntryParser} (Node/Service/Checks), {@code NodeParser} (ID, Node, Address, Datacenter,
 * TaggedAddresses, Meta), {@code ServiceParser.parseAgentInfo} (ID, Service, Tags, Meta, Address,
 * Port), {@code CheckParser} (CheckID, Name, Status, Notes, Output, ServiceID, ServiceName) and the
 * catalog entry (Node, Address, ServiceID, ServiceName, ServiceTags, ServiceAddress, ServiceMeta,
 * ServicePort, CreateIndex, ModifyIndex). Empty lists and maps are rendered as [] and {}.
 */
final class ConsulJson {
  /** The one node of the test double, and its agent. */
  record Node(String id, String name, String address, String datacenter, String version) {}

  /** The service every Consul server registers for itself (in the catalog, not an agent service). */
  static final String CONSUL_SERVICE = "consul";
  static final String SERF_CHECK_ID = "serfHealth";

  private ConsulJson() {}

  static JsonObject node(Node node, long index) {
    return new JsonObject()
        .put("ID", node.id())
        .put("Node", node.name())
        .put("Address", node.address())
        .put("Datacenter", node.datacenter())
        .put("TaggedAddresses", taggedNodeAddresses(node))
        .put("Meta", new JsonObject().put("consul-network-segment", ""))
        .put("CreateIndex", index)
        .put("ModifyIndex", index);
  }

  /** A {@code structs.NodeService} as found under "Service" in a health entry. */
  static JsonObject service(Instance instance) {
    ServiceDefinition s = instance.service();
    return new JsonObject()
        .put("Kind", "")
        .put("ID", s.id())
        .put("Service", s.name())
        .put("Tags", new JsonArray(List.copyOf(s.tags())))
        .put("Address", s.address())
        .put("TaggedAddresses", taggedServiceAddresses(s))
        .put("Meta", new JsonObject(Map.copyOf(s.meta())))
        .put("Port", s.port())
        .put("Weights", weights(s))
        .put("EnableTagOverride", s.enableTagOverride())
        .put("Proxy", new JsonObject().put("Mode", "").put("MeshGateway", new JsonObject())
            .put("Expose", new JsonObject()))
        .put("Connect", new JsonObject())
        .put("PeerName", "")
        .put("CreateIndex", instance.createIndex())
        .put("ModifyIndex", instance.modifyIndex());
  }

  /** An agent-local service, the value type of {@code GET /v1/agent/services}. */
  static JsonObject agentService(ServiceDefinition s, String datacenter) {
    return new JsonObject()
        .put("ID", s.id())
        .put("Service", s.name())
        .put("Tags", new JsonArray(List.copyOf(s.tags())))
        .put("Meta", new JsonObject(Map.copyOf(s.meta())))
        .put("Port", s.port())
        .put("Address", s.address())
        .put("TaggedAddresses", taggedServiceAddresses(s))
        .put("Weights", weights(s))
        .put("EnableTagOverride", s.enableTagOverride())
        .put("Datacenter", datacenter);
  }

  static JsonObject check(CheckState c, String nodeName) {
    CheckDefinition d = c.definition();
    return new JsonObject()
        .put("Node", nodeName)
        .put("CheckID", c.checkId())
        .put("Name", c.name())
        .put("Status", c.status())
        .put("Notes", d.notes())
        .put("Output", c.output())
        .put("ServiceID", c.serviceId())
        .put("ServiceName", c.serviceName())
        .put("ServiceTags", new JsonArray(List.copyOf(c.serviceTags())))
        .put("Type", d.type())
        .put("Interval", d.interval().isZero() ? "" : GoDuration.format(d.interval()))
        .put("Timeout", d.timeout().isZero() ? "" : GoDuration.format(d.timeout()))
        .put("ExposedPort", 0)
        .put("Definition", new JsonObject())
        .put("CreateIndex", c.createIndex())
        .put("ModifyIndex", c.modifyIndex());
  }

  /** The node-level check every health entry carries; its status gates "passing" too. */
  static JsonObject serfHealth(Node node) {
    return new JsonObject()
        .put("Node", node.name())
        .put("CheckID", SERF_CHECK_ID)
        .put("Name", "Serf Health Status")
        .put("Status", Catalog.PASSING)
        .put("Notes", "")
        .put("Output", "Agent alive and reachable")
        .put("ServiceID", "")
        .put("ServiceName", "")
        .put("ServiceTags", new JsonArray())
        .put("Type", "")
        .put("Interval", "")
        .put("Timeout", "")
        .put("ExposedPort", 0)
        .put("Definition", new JsonObject())
        .put("CreateIndex", 1L)
        .put("ModifyIndex", 1L);
  }

  /** One element of {@code GET /v1/catalog/service/<name>}. */
  static JsonObject catalogEntry(Node node, Instance instance) {
    ServiceDefinition s = instance.service();
    return new JsonObject()
        .put("ID", node.id())
        .put("Node", node.name())
        .put("Address", node.address())
        .put("Datacenter", node.datacenter())
        .put("TaggedAddresses", taggedNodeAddresses(node))
        .put("NodeMeta", new JsonObject().put("consul-network-segment", ""))
        .put("ServiceKind", "")
        .put("ServiceID", s.id())
        .put("ServiceName", s.name())
        .put("ServiceTags", new JsonArray(List.copyOf(s.tags())))
        .put("ServiceAddress", s.address())
        .put("ServiceTaggedAddresses", taggedServiceAddresses(s))
        .put("ServiceWeights", weights(s))
        .put("ServiceMeta", new JsonObject(Map.copyOf(s.meta())))
        .put("ServicePort", s.port())
        .put("ServiceSocketPath", "")
        .put("ServiceEnableTagOverride", s.enableTagOverride())
        .put("ServiceProxy", new JsonObject().put("Mode", "").put("MeshGateway", new JsonObject())
            .put("Expose", new JsonObject()))
        .put("ServiceConnect", new JsonObject())
        .put("ServicePeerName", "")
        .put("CreateIndex", instance.createIndex())
        .put("ModifyIndex", instance.modifyIndex());
  }

  /** {@code GET /v1/agent/self}: Prometheus reads Config.Datacenter; the rest is for humans. */
  static JsonObject agentSelf(Node node, int httpPort) {
    JsonObject config = new JsonObject()
        .put("Datacenter", node.datacenter())
        .put("PrimaryDatacenter", node.datacenter())
        .put("NodeName", node.name())
        .put("NodeID", node.id())
        .put("Revision", "pushring-test-double")
        .put("Server", true)
        .put("Version", node.version())
        .put("BuildDate", "1970-01-01T00:00:01Z");
    JsonObject member = new JsonObject()
        .put("Name", node.name())
        .put("Addr", node.address())
        .put("Port", 8301)
        .put("Tags", new JsonObject().put("dc", node.datacenter()).put("role", "consul")
            .put("id", node.id()).put("build", node.version()).put("port", "8300"))
        .put("Status", 1)
        .put("ProtocolMin", 1).put("ProtocolMax", 5).put("ProtocolCur", 2)
        .put("DelegateMin", 2).put("DelegateMax", 5).put("DelegateCur", 4);
    return new JsonObject()
        .put("Config", config)
        .put("DebugConfig", new JsonObject().put("HTTPPort", httpPort).put("DevMode", true))
        .put("Coord", new JsonObject().put("Vec", new JsonArray(List.of(0, 0, 0, 0, 0, 0, 0, 0)))
            .put("Error", 1.5).put("Adjustment", 0).put("Height", 1e-05))
        .put("Member", member)
        .put("Stats", new JsonObject())
        .put("Meta", new JsonObject().put("consul-network-segment", ""));
  }

  private static JsonObject taggedNodeAddresses(Node node) {
    return new JsonObject().put("lan", node.address()).put("lan_ipv4", node.address())
        .put("wan", node.address()).put("wan_ipv4", node.address());
  }

  private static JsonObject taggedServiceAddresses(ServiceDefinition s) {
    if (s.address().isEmpty() || s.address().contains(":")) {
      return new JsonObject();
    }
    JsonObject address = new JsonObject().put("Address", s.address()).put("Port", s.port());
    return new JsonObject().put("lan_ipv4", address).put("wan_ipv4", address.copy());
  }

  private static JsonObject weights(ServiceDefinition s) {
    return new JsonObject().put("Passing", s.weightPassing()).put("Warning", s.weightWarning());
  }
}
