package io.pushring.consul;

import io.pushring.testing.consul.ConsulFixture;
import io.pushring.testing.consul.ConsulSecurity;

/** {@link ConsulSecureLinkContract} against the in-repo {@code ConsulTestServer} (ACLs and HTTPS), always. */
class InRepoConsulSecureLinkTest extends ConsulSecureLinkContract {
  @Override
  ConsulFixture startConsul(ConsulSecurity security) {
    return ConsulFixture.inRepo(ConsulFixture.inRepoDefaults(), security);
  }
}
