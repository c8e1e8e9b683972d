package io.pushring.discovery;

import io.pushring.bus.DiscoveryStatus;
import io.pushring.bus.RingPublisher;
import io.pushring.config.HostPort;
import io.pushring.config.PushringConfig;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code discovery.mode: static}: one ring from {@code discovery.static-members}, published once.
 * For running without Consul (a laptop, a test, a fleet whose membership never changes). Member ids
 * are {@link Member#idOf}, the ids the registrar gives them in Consul, so moving a static fleet to
 * Consul mode moves no key.
 */
public final class StaticDiscoveryVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(StaticDiscoveryVerticle.class);

  private final Placement placement;
  private final List<String> addresses;

  public StaticDiscoveryVerticle(PushringConfig config) {
    this.placement = Placement.fromConfigName(config.placement().key().configName());
    this.addresses = config.discovery().staticMembers();
  }

  @Override
  public Future<?> start() {
    // Building the slot table takes tens of milliseconds: not on the event loop.
    return vertx.executeBlocking(() -> Ring.build(placement, members(addresses), 1)).onSuccess(ring -> {
      RingPublisher.publish(vertx, ring);
      DiscoveryStatus.publish(vertx, new DiscoveryStatus("static", "ok", System.currentTimeMillis(), 0, "", 0));
      LOG.info("ring v{} from static members: {} members {}", ring.version(), ring.members().size(), addresses);
    });
  }

  /** {@code host:port} or {@code [v6]:port} strings (validated by the config) to members. */
  static List<Member> members(List<String> addresses) {
    List<Member> members = new ArrayList<>(addresses.size());
    for (String address : addresses) {
      HostPort hp = HostPort.parse(address, 0);
      members.add(Member.ofAddress(hp.host(), hp.port()));
    }
    return members;
  }
}
