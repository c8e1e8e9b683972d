package io.pushring.testing.consul;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ConsulContract} against the real Consul the fixture chain finds ({@value ConsulFixture#ENV},
 * {@code consul} on PATH, Docker); skipped, with that reason, when the chain ends at the in-repo
 * server, which {@link InRepoConsulContractTest} covers.
 */
class RealConsulContractTest extends ConsulContract {
  @Override
  ConsulFixture startConsul() {
    ConsulFixture consul = ConsulFixture.start();
    if (consul.kind().equals(ConsulFixture.IN_REPO)) {
      consul.close();
      assumeTrue(false, "no real Consul: set " + ConsulFixture.ENV + ", put consul on PATH (.ci/run adds"
          + " ../shared/bin when present) or run Docker");
    }
    return consul;
  }
}
