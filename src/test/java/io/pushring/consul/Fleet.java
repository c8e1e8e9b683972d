package io.pushring.consul;

import io.pushring.testing.PushgatewayProcess;
import java.util.ArrayList;
import java.util.List;

/**
 * Real Pushgateway processes for one test, addressed by index. A killed one can come back on the same
 * port ({@link #restart}), where Consul's check and the ring expect it.
 */
final class Fleet implements AutoCloseable {
  private final List<PushgatewayProcess> processes = new ArrayList<>();

  static Fleet start(int n) {
    Fleet fleet = new Fleet();
    try {
      for (int i = 0; i < n; i++) fleet.processes.add(PushgatewayProcess.start());
    } catch (RuntimeException e) {
      fleet.close();
      throw e;
    }
    return fleet;
  }

  /** Starts one more and returns its index. */
  int add() {
    processes.add(PushgatewayProcess.start());
    return processes.size() - 1;
  }

  PushgatewayProcess get(int i) {
    return processes.get(i);
  }

  int size() {
    return processes.size();
  }

  /** {@code 127.0.0.1:port} of each, what {@code pushgateways.servers} takes. */
  List<String> servers() {
    return processes.stream().map(p -> p.host() + ":" + p.port()).toList();
  }

  /** The Consul service ID the registrar gives Pushgateway {@code i}: {@code <host>_<port>}. */
  String id(int i) {
    return processes.get(i).host() + "_" + processes.get(i).port();
  }

  List<String> ids() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < processes.size(); i++) ids.add(id(i));
    return ids;
  }

  /** SIGKILL, as a crash. */
  void kill(int i) {
    processes.get(i).kill();
  }

  /** A new Pushgateway on the port of the killed one. */
  void restart(int i) {
    processes.set(i, processes.get(i).restart());
  }

  @Override
  public void close() {
    for (PushgatewayProcess p : processes) p.close();
  }
}
