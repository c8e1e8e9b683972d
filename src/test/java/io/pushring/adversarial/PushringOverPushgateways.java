package io.pushring.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.bus.RingPublisher;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.testing.Await;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real Pushgateways 1.5.1 with pushring in front of them twice (redirect mode and proxy mode, same
 * static ring), plus the clients an attacker would use: a raw HTTP/1.1 socket that sends the request
 * target byte for byte and reports a hang as such, and an h2c (prior knowledge) Vert.x client, which
 * sends {@code :path} bytes the JDK client refuses. Close it after use: it stops every process by PID.
 */
final class PushringOverPushgateways implements AutoCloseable {
  static final String BODY = "some_metric 1\n";

  final List<PushgatewayProcess> pushgateways = new ArrayList<>();
  final Vertx redirectVertx;
  final Vertx proxyVertx;
  final int redirectPort;
  final int proxyPort;
  private final Vertx clientVertx = Vertx.vertx();
  private final HttpClientAgent h2c;

  PushringOverPushgateways(int members, String... pushgatewayArgs) {
    try {
      StringBuilder list = new StringBuilder();
      for (int i = 0; i < members; i++) {
        PushgatewayProcess pg = PushgatewayProcess.start(pushgatewayArgs);
        pushgateways.add(pg);
        list.append(i == 0 ? "" : ",").append(pg.host()).append(':').append(pg.port());
      }
      redirectVertx = Vertx.vertx();
      redirectPort = PushringApp.deploy(redirectVertx, TestConfig.staticMembers(list.toString())).await().port();
      proxyVertx = Vertx.vertx();
      proxyPort = PushringApp.deploy(proxyVertx, TestConfig.staticMembers(list.toString(),
          "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_ROUTER_PROXY_TIMEOUT", "5s")).await().port();
      h2c = clientVertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
          .setHttp2ClearTextUpgrade(false));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The member pushring's ring names for this raw path (the same in both modes: one static ring). */
  Member owner(String rawPath) {
    return RingPublisher.current(redirectVertx).route(GroupingKeyParser.parse(rawPath));
  }

  PushgatewayProcess pushgatewayAt(String host, int port) {
    for (PushgatewayProcess pg : pushgateways) {
      if (pg.host().equals(host) && pg.port() == port) return pg;
    }
    return null;
  }

  PushgatewayProcess pushgatewayOf(Member member) {
    return pushgatewayAt(member.host(), member.port());
  }

  /** An answer, or a hang: {@code status} -1 when nothing (or no full head) came back in time. */
  record Answer(int status, Map<String, String> headers, String body) {
    String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }

    boolean hung() { return status < 0; }
  }

  /**
   * One HTTP/1.1 request on a fresh connection, target sent byte for byte (one char per byte), with
   * Content-Length and Connection: close. Returns status -1 if no answer arrives within {@code timeout}.
   */
  static Answer raw(int port, String method, String target, String body, Duration timeout) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      String head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
          + (body == null ? "" : "Content-Length: " + payload.length + "\r\n") + "Connection: close\r\n\r\n";
      // One write: head and body in one segment, so the server never closes with the body still unread
      // (a Go server answering before it reads the body may then reset the connection).
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
      request.writeBytes(payload);
      OutputStream out = socket.getOutputStream();
      out.write(request.toByteArray());
      out.flush();
      return parse(socket.getInputStream());
    } catch (SocketTimeoutException hang) {
      return new Answer(-1, Map.of(), "no answer within " + timeout);
    } catch (IOException e) {
      return new Answer(-2, Map.of(), e.toString());
    }
  }

  private static Answer parse(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    int n;
    while ((n = in.read(chunk)) >= 0) all.write(chunk, 0, n);
    String text = all.toString(StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) return new Answer(-2, Map.of(), "incomplete answer: " + text);
    String[] lines = text.substring(0, end).split("\r\n");
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, text.substring(end + 4));
  }

  /** One request over h2c (a shared prior-knowledge connection); status -1 if no answer within {@code timeout}. */
  Answer h2c(int port, HttpMethod method, String path, String body, Duration timeout) {
    try {
      return h2c.request(new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path))
          .compose(req -> (body == null ? req.send() : req.send(Buffer.buffer(body)))
              .compose(resp -> resp.body().map(b -> {
                Map<String, String> headers = new LinkedHashMap<>();
                resp.headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
                return new Answer(resp.statusCode(), headers, b.toString(StandardCharsets.UTF_8));
              })))
          .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .await();
    } catch (Exception e) {
      return new Answer(e.getClass().getSimpleName().contains("Timeout") ? -1 : -2, Map.of(), e.toString());
    }
  }

  /**
   * The check after every abuse: a normal push through pushring (proxy mode: the whole way
   * to the owner) succeeds within 100 ms, and the owner then holds exactly that group. A poisoned or
   * locked Pushgateway fails every attempt; one slow attempt on this shared machine is retried (at most
   * three), which a wedged gateway cannot pass.
   */
  void assertNormalPushSucceedsPromptly(String path) {
    long best = Long.MAX_VALUE;
    Answer last = null;
    for (int attempt = 0; attempt < 3 && best > 100; attempt++) {
      long t0 = System.nanoTime();
      last = raw(proxyPort, "PUT", path, BODY, Duration.ofSeconds(5));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(last.status()).as("normal push %s after the abuse: %s", path, last).isEqualTo(200);
      best = Math.min(best, ms);
    }
    assertThat(best).as("fastest of up to 3 normal pushes, ms").isLessThanOrEqualTo(100);
    Member owner = owner(path);
    assertThat(pushgatewayOf(owner).groups()).as("owner holds the group of " + path)
        .contains(labelsOf(path));
  }

  /** Empties a Pushgateway started with {@code --web.enable-admin-api} and waits until it reports no group. */
  static void wipe(PushgatewayProcess pg) {
    int status = pg.request("PUT", "/api/v1/admin/wipe", new byte[0], Duration.ofSeconds(10)).status();
    assertThat(status).as("wipe " + pg).isEqualTo(202);
    Await.until("groups left after the wipe of " + pg, Duration.ofSeconds(10), () -> pg.groups().isEmpty());
  }

  static Map<String, String> labelsOf(String rawPath) {
    Map<String, String> labels = new java.util.TreeMap<>();
    GroupingKeyParser.parse(rawPath).labels().forEach((k, v) -> labels.put(k, new String(v, StandardCharsets.UTF_8)));
    return labels;
  }

  @Override
  public void close() {
    try {
      clientVertx.close().await();
    } catch (RuntimeException ignored) {
      // closing anyway
    }
    for (Vertx v : new Vertx[] {redirectVertx, proxyVertx}) {
      if (v != null) v.close().await();
    }
    pushgateways.forEach(PushgatewayProcess::close);
  }
}
