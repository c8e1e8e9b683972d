package io.pushring.consul;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A blocking HTTP/1.1 client over one keep-alive socket to 127.0.0.1, reconnecting after an error,
 * request target sent byte for byte. Not thread-safe: one per thread.
 *
 * <p>Why not a library client, for the tens of thousands of pushes these tests send: both fail
 * under load here, reproducibly (README "Tests", "HTTP clients under load"): the JDK client drops
 * about one PUT in 20,000 with "connection closed locally" against a Vert.x server with TCP_NODELAY
 * (pushring's), and a Vert.x 5.0.7 client request issued from a non-Vert.x thread can wait forever
 * for a pooled connection, its timeout never firing. A plain keep-alive socket does neither, so
 * these tests measure pushring, not a client.
 */
final class SocketHttp implements AutoCloseable {
  private static final int TIMEOUT_MILLIS = 10_000;

  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final int port;
  private Socket socket;
  private InputStream in;
  private OutputStream out;

  SocketHttp(int port) {
    this.port = port;
  }

  Response get(String target) {
    return send("GET", target, "");
  }

  /** Throws UncheckedIOException on connection errors and timeouts (the connection is dropped). */
  Response send(String method, String target, String body) {
    try {
      if (socket == null) connect();
      byte[] payload = body.getBytes(StandardCharsets.UTF_8);
      out.write((method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Length: "
          + payload.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(payload);
      out.flush();
      String[] head = readHead().split("\r\n");
      int status = Integer.parseInt(head[0].split(" ")[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < head.length; i++) {
        int colon = head[i].indexOf(':');
        headers.put(head[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), head[i].substring(colon + 1).trim());
      }
      if (headers.containsKey("transfer-encoding")) throw new IOException("chunked answers are not expected here");
      byte[] content = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
      if ("close".equalsIgnoreCase(headers.get("connection"))) close();
      return new Response(status, headers, new String(content, StandardCharsets.UTF_8));
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(method + " " + target + " on port " + port + ": " + e, e);
    }
  }

  private void connect() throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
    socket.setSoTimeout(TIMEOUT_MILLIS);
    socket.setTcpNoDelay(true);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) throw new EOFException("connection closed before a full answer");
      head.write(b);
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1).trim();
  }

  @Override
  public void close() {
    if (socket == null) return;
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    socket = null;
  }
}
