package io.pushring.testing.consul;

/** {@link ConsulContract} against the in-repo {@link ConsulTestServer}, always. */
class InRepoConsulContractTest extends ConsulContract {
  @Override
  ConsulFixture startConsul() {
    return ConsulFixture.inRepo(ConsulFixture.inRepoDefaults());
  }
}
