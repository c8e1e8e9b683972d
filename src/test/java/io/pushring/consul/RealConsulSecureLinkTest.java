package io.pushring.consul;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pushring.testing.consul.ConsulFixture;
import io.pushring.testing.consul.ConsulSecurity;

/**
 * {@link ConsulSecureLinkContract} against the real Consul of the fixture chain (consul on PATH:
 * 1.4.0 from ../shared/bin); skipped when the chain ends at the in-repo server, which {@link
 * InRepoConsulSecureLinkTest} covers.
 */
class RealConsulSecureLinkTest extends ConsulSecureLinkContract {
  @Override
  ConsulFixture startConsul(ConsulSecurity security) {
    ConsulFixture consul = ConsulFixture.start(ConsulFixture.inRepoDefaults(), security);
    if (consul.kind().equals(ConsulFixture.IN_REPO)) {
      consul.close();
      assumeTrue(false, "no real Consul: put consul on PATH (.ci/run adds ../shared/bin when present)");
    }
    return consul;
  }
}
