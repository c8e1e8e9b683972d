package io.pushring.consul;

import io.pushring.config.Durations;
import io.pushring.config.HostPort;
import io.pushring.config.PushringConfig;
import io.pushring.ring.Member;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One Pushgateway as the registrar registers it in Consul: ID {@link Member#idOf} (what
 * dynamic-sharding uses, so an existing fleet keeps its IDs and its placement), an HTTP check on
 * {@code <scheme>://host:port<check.path>}. Pure value; {@link #toConsulJson()} is the body of
 * {@code PUT /v1/agent/service/register}.
 */
public record Registration(String id, String service, String host, int port, String checkUrl,
                           String interval, String timeout, String deregisterAfter, boolean tlsSkipVerify) {

  public static List<Registration> from(PushringConfig config) {
    PushringConfig.Pushgateways pgs = config.pushgateways();
    List<Registration> registrations = new ArrayList<>();
    for (String server : pgs.servers()) {
      HostPort hp = HostPort.parse(server, pgs.port());
      String host = hp.host();
      int port = hp.port();
      registrations.add(new Registration(Member.idOf(host, port), config.consul().service(), host, port,
          pgs.scheme() + "://" + hp.authority() + pgs.check().path(),
          Durations.format(pgs.check().interval()), Durations.format(pgs.check().timeout()),
          Durations.format(pgs.check().deregisterAfter()),
          pgs.https() && pgs.tls().insecureSkipVerify()));
    }
    return registrations;
  }

  /** Consul's agent API body. Written by hand: the Vert.x client's CheckOptions has no Timeout. */
  public JsonObject toConsulJson() {
    JsonObject json = new JsonObject()
        .put("ID", id)
        .put("Name", service)
        .put("Address", host)
        .put("Port", port)
        .put("Meta", new JsonObject().put("registered_by", "pushring"))
        .put("Check", new JsonObject()
            .put("Name", "pushgateway " + id + " healthy")
            .put("HTTP", checkUrl)
            .put("Method", "GET")
            .put("Interval", interval)
            .put("Timeout", timeout)
            .put("DeregisterCriticalServiceAfter", deregisterAfter));
    // Only when asked (pushgateways.tls.insecure-skip-verify): otherwise the agent checks the certificate
    // against its own CA (its ca_file); Consul 1.4's check has no per-check CA nor TLSServerName.
    if (tlsSkipVerify) json.getJsonObject("Check").put("TLSSkipVerify", true);
    return json;
  }
}
