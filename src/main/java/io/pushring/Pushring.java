package io.pushring;

import io.pushring.config.CommandLine;
import io.pushring.config.ConfigException;
import io.pushring.config.ConfigReader;
import io.pushring.config.HostPort;
import io.pushring.config.PushringConfig;
import io.netty.channel.unix.Errors;
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
  static final String NETTY_JFR = "io.netty.jfr.enabled";

  private Pushring() {}

  public static void main(String[] args) {
    // Netty's pooled allocator reports its chunk events to JFR whenever JFR is there, so the first request's
    // first buffer loads JFR's event metadata: ~15 % of the CPU of a start, before /-/ready can answer
    // (README "Start time"). Those events only serve debugging Netty's allocator: -Dio.netty.jfr.enabled=true.
    if (System.getProperty(NETTY_JFR) == null) System.setProperty(NETTY_JFR, "false");
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

    Vertx vertx = PushringApp.newVertx(config);

    PushringApp app;
    try {
      app = PushringApp.deploy(vertx, config).await();
    } catch (ConfigException e) { // a file named by the configuration (http.web-config-file, pushgateways.tls.*, credentials)
      System.err.println("pushring: config: " + e.getMessage());
      vertx.close();
      System.exit(2);
      return;
    } catch (Exception e) { // await() rethrows the cause as is: a BindException is a checked exception
      // Without the exit, Vert.x's non-daemon threads would keep a process up that listens nowhere.
      PushringApp.logTransport(vertx, config);   // a native transport's bind error reads differently
      System.err.println("pushring: " + startFailure(e, config));
      vertx.close();
      System.exit(1);
      return;
    }
    PushringApp.logTransport(vertx, config);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping: draining routers");
      vertx.close().timeout(15, TimeUnit.SECONDS).await();
    }, "pushring-shutdown"));
    LOG.info("pushring listening on {}://{}:{} (router {} x{}, redirect {}, placement {}, discovery {}, transport {})",
        config.http().webConfigFile().isEmpty() ? "http" : app.tls() ? "https" : "http",
        config.http().host(), app.port(), config.router().mode().name().toLowerCase(),
        PushringApp.routerInstances(config), config.router().redirectStatus(),
        config.placement().key().configName(), config.discovery().mode().name().toLowerCase(),
        Transports.inUse(vertx));
  }

  /** One line: the address for a listen failure (port in use, address not local), else the cause. */
  static String startFailure(Throwable e, PushringConfig config) {
    String address = new HostPort(config.http().host(), config.http().port()).authority();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.SocketException || t instanceof java.net.UnknownHostException) {
        return "cannot listen on " + address + ": " + oneLine(t);
      }
      // epoll and io_uring: "bind(..) failed with error(-98): Address already in use", an IOException of their own.
      if (t instanceof Errors.NativeIoException && t.getMessage() != null && t.getMessage().startsWith("bind(")) {
        String m = oneLine(t);
        int cause = m.indexOf("): ");
        return "cannot listen on " + address + ": " + (cause < 0 ? m : m.substring(cause + 3));
      }
    }
    return "start failed: " + oneLine(e);
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.replaceAll("\\s+", " ").strip();
  }
}
