package io.pushring.testing.consul;

import java.time.Duration;

/**
 * The faults that need nothing but TCP, so a test can inject them in front of any Consul: the
 * in-repo server does them itself ({@link ConsulFaults}), a real agent through {@link TcpFaultProxy}.
 */
public interface TcpFaults {
  /** Holds every answer {@code delay} (or until cleared); ZERO clears. */
  void stall(Duration delay);

  /** Cuts the next {@code n} requests to paths starting with {@code pathPrefix} mid-answer. */
  void cutConnections(int n, String pathPrefix);

  /** Stall and cuts off. */
  void clearFaults();

  /** Requests seen whose path starts with {@code pathPrefix}, faulted or not. */
  long requestCount(String pathPrefix);
}
