package io.pushring.consul;

import io.pushring.testing.PushgatewayProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Real Pushgateway processes for one test, addressed by index. A killed one can come back on the same
 * port ({@link #restart}), where Consul's check and the ring expect it: empty, or with what its own
 * persistence file kept ({@link #startPersistent}).
 */
public final class Fleet implements AutoCloseable {
  private final List<PushgatewayProcess> processes = new ArrayList<>();
  /** The Pushgateway arguments of index i. */
  private final IntFunction<String[]> args;

  private Fleet(IntFunction<String[]> args) {
    this.args = args;
  }

  /** {@code n} Pushgateways in memory only. */
  static Fleet start(int n) {
    return start(n, i -> new String[0]);
  }

  /**
   * {@code n} Pushgateways, each with a persistence file of its own, {@code dir/pg<i>.db}, written every
   * {@code interval} (the Pushgateway writes it at that pace and on SIGTERM: a SIGKILL loses at most
   * the pushes of the last interval, as a crash does).
   */
  public static Fleet startPersistent(int n, Path dir, Duration interval) {
    return start(n, i -> new String[] {"--persistence.file=" + dir.resolve("pg" + i + ".db"),
        "--persistence.interval=" + interval.toMillis() + "ms"});
  }

  private static Fleet start(int n, IntFunction<String[]> args) {
    Fleet fleet = new Fleet(args);
    try {
      for (int i = 0; i < n; i++) fleet.add();
    } catch (RuntimeException e) {
      fleet.close();
      throw e;
    }
    return fleet;
  }

  /** Starts one more and returns its index. */
  public int add() {
    processes.add(PushgatewayProcess.start(args.apply(processes.size())));
    return processes.size() - 1;
  }

  public PushgatewayProcess get(int i) {
    return processes.get(i);
  }

  public int size() {
    return processes.size();
  }

  /** {@code 127.0.0.1:port} of each, what {@code pushgateways.servers} takes. */
  public List<String> servers() {
    return processes.stream().map(p -> p.host() + ":" + p.port()).toList();
  }

  /** The Consul service ID the registrar gives Pushgateway {@code i}: {@code <host>_<port>}. */
  public String id(int i) {
    return processes.get(i).host() + "_" + processes.get(i).port();
  }

  public List<String> ids() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < processes.size(); i++) ids.add(id(i));
    return ids;
  }

  /**
   * Waits until Pushgateway {@code i} has written its persistence file after {@code since}: what it
   * held then is what a crash now keeps (it writes every persistence interval while it has changes;
   * a push it acknowledged less than an interval before a SIGKILL is lost with the process, as the
   * Pushgateway documents).
   */
  public void awaitPersistedAfter(int i, java.time.Instant since, Duration timeout) {
    String flag = java.util.Arrays.stream(args.apply(i)).filter(a -> a.startsWith("--persistence.file=")).findFirst()
        .orElseThrow(() -> new IllegalStateException("Pushgateway " + i + " has no persistence file"));
    Path file = Path.of(flag.substring("--persistence.file=".length()));
    io.pushring.testing.Await.until("Pushgateway " + i + " wrote " + file + " after " + since, timeout, () -> {
      try {
        return java.nio.file.Files.getLastModifiedTime(file).toInstant().isAfter(since);
      } catch (java.io.IOException notYet) {
        return false;
      }
    });
  }

  /** SIGKILL, as a crash. */
  public void kill(int i) {
    processes.get(i).kill();
  }

  /** A Pushgateway on the port of the killed one, with its arguments (and so its persistence file). */
  public void restart(int i) {
    processes.set(i, processes.get(i).restart());
  }

  @Override
  public void close() {
    for (PushgatewayProcess p : processes) p.close();
  }
}
