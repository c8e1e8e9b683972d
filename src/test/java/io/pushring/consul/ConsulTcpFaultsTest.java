package io.pushring.consul;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pushring.testing.consul.ConsulFixture;
import io.pushring.testing.consul.TcpFaultProxy;
import io.pushring.testing.consul.TcpFaults;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ConsulFaultScenarios} on the real Consul the fixture chain finds, pushring talking to it
 * through a {@link TcpFaultProxy} that stalls or cuts its answers. Skipped when the chain ends at the
 * in-repo server ({@link ConsulFaultsTest} runs the same scenarios there).
 */
class ConsulTcpFaultsTest extends ConsulFaultScenarios {
  @RegisterExtension
  static final ConsulFleet env = ConsulFleet.withPushgateways(3);

  private TcpFaultProxy proxy;

  @BeforeEach
  void startProxy() {
    assumeTrue(!consul.kind().equals(ConsulFixture.IN_REPO),
        "no real Consul found (ConsulFaultsTest runs these scenarios on the in-repo server)");
    proxy = new TcpFaultProxy(consul.host(), consul.port());
  }

  @AfterEach
  void stopProxy() {
    if (proxy != null) proxy.close();
  }

  @Override
  ConsulFleet env() {
    return env;
  }

  @Override
  TcpFaults tcpFaults() {
    return proxy;
  }

  @Override
  String consulAddress() {
    return proxy.hostPort();
  }
}
