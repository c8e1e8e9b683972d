package io.pushring.consul;

import io.pushring.PushringApp;
import io.pushring.bus.DiscoveryStatus;
import io.pushring.bus.RingPublisher;
import io.pushring.config.PushringConfig;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.pushring.testing.consul.ConsulFixture;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
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
public final class ConsulFleet implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
  /** One deployed pushring: its Vert.x, HTTP port, current ring and the deployment itself. */
  public record Pushring(Vertx vertx, int port, PushringConfig config, PushringApp app) {
    public Ring ring() {
      return RingPublisher.current(vertx);
    }

    public Set<String> ringIds() {
      Set<String> ids = new TreeSet<>();
      Ring ring = ring();
      if (ring != null) for (Member m : ring.members()) ids.add(m.id());
      return ids;
    }

    public DiscoveryStatus discovery() {
      return DiscoveryStatus.current(vertx);
    }
  }

  private final int pushgateways;
  private final boolean inRepo;
  private final boolean persistent;
  private Path persistenceDir;
  private final List<Pushring> deployed = new ArrayList<>();
  private boolean perClass;
  private ConsulFixture consul;
  private Fleet fleet;
  private String service;

  private ConsulFleet(int pushgateways, boolean inRepo, boolean persistent) {
    this.pushgateways = pushgateways;
    this.inRepo = inRepo;
    this.persistent = persistent;
  }

  /** The fixture chain's Consul and {@code n} Pushgateways. */
  static ConsulFleet withPushgateways(int n) {
    return new ConsulFleet(n, false, false);
  }

  /**
   * The fixture chain's Consul and {@code n} Pushgateways, each with a persistence file of its own
   * written every second (see {@link Fleet#startPersistent}), in a temporary directory removed after.
   */
  public static ConsulFleet withPersistentPushgateways(int n) {
    return new ConsulFleet(n, false, true);
  }

  /** Always the in-repo Consul test server (fault injection), and {@code n} Pushgateways. */
  static ConsulFleet inRepoWithPushgateways(int n) {
    return new ConsulFleet(n, true, false);
  }

  public ConsulFixture consul() {
    return consul;
  }

  public Fleet fleet() {
    return fleet;
  }

  /** The Consul service name of the current test. */
  public String service() {
    return service;
  }

  /**
   * Deploys pushring in Consul mode ({@link ConsulModeConfig#of}) watching this test's service; its
   * registrar registers {@code servers} ({@code host:port}; empty: registrar off).
   */
  public Pushring deploy(List<String> servers, String... overrides) {
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

  /**
   * Registers Pushgateway {@code i} in this test's service directly, as an operator or the registrar
   * does: an HTTP check on {@code /-/healthy} every {@code interval}, deregistered after
   * {@code deregisterAfter} critical (Go durations; Consul's reaper acts at one minute at the soonest).
   */
  public void registerChecked(int i, String interval, String deregisterAfter) {
    consul.registerService(fleet.id(i), service, fleet.get(i).host(), fleet.get(i).port(),
        fleet.get(i).baseUrl() + "/-/healthy", interval, deregisterAfter);
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
      if (persistent) {
        persistenceDir = Files.createTempDirectory("pushring-pgs-");
        fleet = Fleet.startPersistent(pushgateways, persistenceDir, Duration.ofSeconds(1));
      } else {
        fleet = Fleet.start(pushgateways);
      }
    } catch (IOException e) {
      consul.close();
      throw new UncheckedIOException(e);
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
    if (persistenceDir != null) deleteTree(persistenceDir);
    persistenceDir = null;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; nothing depends on it
    }
  }
}
