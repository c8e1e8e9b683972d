package io.pushring.consul;

import io.pushring.PushringApp;
import io.pushring.bus.DiscoveryStatus;
import io.pushring.bus.RingPublisher;
import io.pushring.config.PushringConfig;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.pushring.testing.consul.ConsulFixture;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension for the Consul integration tests: a Consul (the {@link ConsulFixture} chain's
 * pick, or always the in-repo server for fault injection) plus N real Pushgateways, a Consul service
 * name of the test's own, and pushring instances deployed against them. Registered on a static field
 * ({@code @RegisterExtension static final ConsulFleet env = ...}) Consul and the fleet are shared by
 * the class's tests; on an instance field each test gets fresh ones. pushring instances are always
 * the test's own and are stopped after it, before the fleet and Consul.
 */
final class ConsulFleet implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
  /** One deployed pushring: its Vert.x, HTTP port, current ring and the deployment itself. */
  record Pushring(Vertx vertx, int port, PushringConfig config, PushringApp app) {
    Ring ring() {
      return RingPublisher.current(vertx);
    }

    Set<String> ringIds() {
      Set<String> ids = new TreeSet<>();
      Ring ring = ring();
      if (ring != null) for (Member m : ring.members()) ids.add(m.id());
      return ids;
    }

    DiscoveryStatus discovery() {
      return DiscoveryStatus.current(vertx);
    }
  }

  private final int pushgateways;
  private final boolean inRepo;
  private final List<Pushring> deployed = new ArrayList<>();
  private boolean perClass;
  private ConsulFixture consul;
  private Fleet fleet;
  private String service;

  private ConsulFleet(int pushgateways, boolean inRepo) {
    this.pushgateways = pushgateways;
    this.inRepo = inRepo;
  }

  /** The fixture chain's Consul and {@code n} Pushgateways. */
  static ConsulFleet withPushgateways(int n) {
    return new ConsulFleet(n, false);
  }

  /** Always the in-repo Consul test server (fault injection), and {@code n} Pushgateways. */
  static ConsulFleet inRepoWithPushgateways(int n) {
    return new ConsulFleet(n, true);
  }

  ConsulFixture consul() {
    return consul;
  }

  Fleet fleet() {
    return fleet;
  }

  /** The Consul service name of the current test. */
  String service() {
    return service;
  }

  /**
   * Deploys pushring in Consul mode ({@link ConsulModeConfig#of}) watching this test's service; its
   * registrar registers {@code servers} ({@code host:port}; empty: registrar off).
   */
  Pushring deploy(List<String> servers, String... overrides) {
    PushringConfig config = ConsulModeConfig.of(consul, service, servers, overrides);
    Vertx vertx = Vertx.vertx();
    try {
      PushringApp app = PushringApp.deploy(vertx, config).await();
      Pushring p = new Pushring(vertx, app.port(), config, app);
      deployed.add(p);
      return p;
    } catch (RuntimeException e) {
      vertx.close().await();
      throw e;
    }
  }

  /** Deploys pushring whose registrar registers the whole fleet. */
  Pushring deployRegisteringFleet(String... overrides) {
    return deploy(fleet.servers(), overrides);
  }

  /** Registers Pushgateway {@code i} in this test's service directly, with no check (passing at once). */
  void register(int i) {
    consul.registerService(fleet.id(i), service, fleet.get(i).host(), fleet.get(i).port());
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) start();
    String prefix = context.getRequiredTestClass().getSimpleName().replaceAll("Test$", "").toLowerCase();
    service = ConsulModeConfig.uniqueService("pgw-" + prefix);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    for (Pushring p : deployed) p.vertx().close().await();
    deployed.clear();
    if (!perClass) stop();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  private void start() {
    consul = inRepo ? ConsulFixture.inRepo(ConsulFixture.inRepoDefaults()) : ConsulFixture.start();
    try {
      fleet = Fleet.start(pushgateways);
    } catch (RuntimeException e) {
      consul.close();
      throw e;
    }
  }

  private void stop() {
    if (fleet != null) fleet.close();
    if (consul != null) consul.close(); // also when a failed test left it down
    fleet = null;
    consul = null;
  }
}
