package io.pushring.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free loopback TCP ports for processes we cannot hand port 0 (the Pushgateway binary). */
public final class FreePorts {
  private FreePorts() {}

  /**
   * A port that was free on 127.0.0.1 a moment ago (bound to port 0, then released). Another process may
   * take it before the caller binds it: callers that start servers retry on "address already in use".
   */
  public static int find() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }
}
