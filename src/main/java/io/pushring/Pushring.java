package io.pushring;

import io.pushring.config.CommandLine;
import io.pushring.config.ConfigException;
import io.pushring.config.ConfigReader;
import io.pushring.config.PushringConfig;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar target/pushring.jar [-c FILE]}. Exit status 2 for a bad command line or
 * configuration (one line naming the key), 1 when start-up fails otherwise. SIGTERM drains the
 * routers and stops.
 */
public final class Pushring {
  private static final Logger LOG = LoggerFactory.getLogger(Pushring.class);

  private Pushring() {}

  public static void main(String[] args) {
    CommandLine cli;
    try {
      cli = CommandLine.parse(args);
    } catch (ConfigException e) {
      System.err.println("pushring: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (cli.help()) {
      System.out.println(CommandLine.USAGE);
      return;
    }

    PushringConfig config;
    try {
      config = ConfigReader.read(cli, System.getenv());
    } catch (ConfigException e) {
      System.err.println("pushring: config: " + e.getMessage());
      System.exit(2);
      return;
    }

    Vertx vertx = PushringApp.newVertx();

    PushringApp app;
    try {
      app = PushringApp.deploy(vertx, config).await();
    } catch (RuntimeException e) {
      LOG.error("start failed: {}", e.toString());
      vertx.close();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping: draining routers");
      vertx.close().timeout(15, TimeUnit.SECONDS).await();
    }, "pushring-shutdown"));
    LOG.info("pushring listening on {}:{} (router {} x{}, redirect {}, placement {}, discovery {})",
        config.http().host(), app.port(), config.router().mode().name().toLowerCase(),
        PushringApp.routerInstances(config), config.router().redirectStatus(),
        config.placement().key().configName(), config.discovery().mode().name().toLowerCase());
  }
}
