package io.pushring.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The raw-socket helper, for requests no HTTP client will send: the request target byte for byte as
 * given (invalid percent-encoding, control bytes, dot segments), hand-made headers, no normalisation,
 * no redirect following. One socket per request ({@code Connection: close}); call from the test
 * thread. Ordinary requests use {@link JdkHttp}, the suite's one client.
 */
public final class RawHttp implements AutoCloseable {
  private static final int TIMEOUT_MILLIS = 20_000;

  public record Response(int status, MultiMap headers, String body) {
    public String header(String name) { return headers.get(name); }
  }

  /** @param ignored kept for the callers' symmetry with the server's Vert.x; the client needs none */
  public RawHttp(Vertx ignored) {}

  public Response send(HttpMethod method, int port, String uri) {
    return send(method, port, uri, null);
  }

  public Response send(HttpMethod method, int port, String uri, String body) {
    return send(method, "127.0.0.1", port, uri, body, MultiMap.caseInsensitiveMultiMap());
  }

  public Response send(HttpMethod method, String host, int port, String uri, String body, MultiMap headers) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      StringBuilder head = new StringBuilder(method.name()).append(' ').append(uri).append(" HTTP/1.1\r\n");
      if (!headers.contains("Host")) head.append("Host: ").append(host).append(':').append(port).append("\r\n");
      for (Map.Entry<String, String> h : headers) head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
      byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      if (body != null) head.append("Content-Length: ").append(payload.length).append("\r\n");
      head.append("Connection: close\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(payload);
      out.flush();
      return parse(method, socket.getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + uri + " on " + host + ":" + port + ": " + e, e);
    }
  }

  public Response get(int port, String uri) {
    return send(HttpMethod.GET, port, uri);
  }

  /**
   * Sends {@code head} (request line and headers, up to and with the empty line) and {@code body}
   * exactly as given, for requests whose framing is the point (hop-by-hop headers, a declared length
   * over the limit); reads the answer.
   */
  public Response exchange(int port, String head, byte[] body) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return read(socket.getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(head.lines().findFirst().orElse("") + " on port " + port + ": " + e, e);
    }
  }

  /** Reads the answer to a request the test writes itself on its own socket (a slow or cut upload). */
  public static Response read(InputStream in) throws IOException {
    return parse(HttpMethod.PUT, in);
  }

  /** Reads the answer: a 1xx interim answer is skipped; the body by Content-Length, chunks, or to EOF. */
  private static Response parse(HttpMethod method, InputStream in) throws IOException {
    while (true) {
      String[] lines = readHead(in).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.add(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
      }
      if (status >= 100 && status < 200) continue;
      byte[] content;
      if (method == HttpMethod.HEAD || status == 204 || status == 304) content = new byte[0];
      else if (headers.contains("Content-Length")) content = in.readNBytes(Integer.parseInt(headers.get("Content-Length")));
      else if ("chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))) content = dechunk(in);
      else content = in.readAllBytes();
      return new Response(status, headers, new String(content, StandardCharsets.UTF_8));
    }
  }

  private static byte[] dechunk(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String size = readLine(in);
      int semicolon = size.indexOf(';');
      int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
      if (n == 0) {
        while (!readLine(in).isEmpty()) { /* trailers */ }
        return body.toByteArray();
      }
      body.write(in.readNBytes(n));
      readLine(in);
    }
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    String line;
    while (!(line = readLine(in)).isEmpty()) head.append(line).append("\r\n");
    return head.toString();
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) throw new IOException("connection closed before a full answer");
      if (b != '\r') line.write(b);
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {}
}
