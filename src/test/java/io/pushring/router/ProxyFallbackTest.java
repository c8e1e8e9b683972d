package io.pushring.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.pushring.PushringApp;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.pushring.testing.Await;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.RecordingUpstream;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Proxy mode when the owner refuses the connection (a Pushgateway killed, still in the ring until
 * Consul's check notices): the push goes to the member that owns the key once the dead one leaves
 * the ring. Against real Pushgateways, one killed by PID while a client pushes continuously.
 */
class ProxyFallbackTest {
  private static final int KEYS = 30;

  private final List<PushgatewayProcess> pgs = new ArrayList<>();
  private Vertx vertx;

  @AfterEach
  void stop() {
    if (vertx != null) vertx.close().await();
    pgs.forEach(PushgatewayProcess::close);
  }

  private static String path(int i) {
    return "/metrics/job/fallback/instance/host-" + i;
  }

  private static Member owner(Ring ring, int i) {
    return ring.route(GroupingKeyParser.parse(path(i)));
  }

  private static Member member(PushgatewayProcess pg) {
    return Member.ofAddress(pg.host(), pg.port());
  }

  @Test
  void aPushgatewayKilledWhileAClientPushesLosesNoPushTheyLandOnTheNextOwner() throws Exception {
    for (int i = 0; i < 3; i++) pgs.add(PushgatewayProcess.start());
    List<Member> members = pgs.stream().map(ProxyFallbackTest::member).toList();
    vertx = Vertx.vertx();
    PushringApp app = PushringApp.deploy(vertx, TestConfig.staticMembers(
        String.join(",", members.stream().map(Member::address).toList()), "PUSHRING_ROUTER_MODE", "proxy")).await();
    Ring ring = Ring.build(Placement.GROUPING_KEY, members, 1);
    PushgatewayProcess victim = pgs.get(2);
    Member dead = members.get(2);
    Ring without = Ring.build(Placement.GROUPING_KEY, members.subList(0, 2), 2);
    List<Integer> deadKeys = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) if (owner(ring, i).equals(dead)) deadKeys.add(i);
    assertThat(deadKeys).isNotEmpty();

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger afterKill = new AtomicInteger();
    AtomicBoolean killed = new AtomicBoolean();
    Map<Integer, Integer> lastValue = new ConcurrentHashMap<>();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread pusher = new Thread(() -> {
      for (int n = 0; running.get(); n++) {
        int key = n % KEYS;
        try {
          HttpRequest put = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path(key)))
              .PUT(HttpRequest.BodyPublishers.ofString("fallback_value " + n + "\n")).timeout(Duration.ofSeconds(10)).build();
          int status = client.send(put, HttpResponse.BodyHandlers.discarding()).statusCode();
          if (status != 200) failures.add("push " + n + " of host-" + key + ": " + status);
          else lastValue.put(key, n);
        } catch (Exception e) {
          failures.add("push " + n + " of host-" + key + ": " + e);
        }
        sent.incrementAndGet();
        if (killed.get()) afterKill.incrementAndGet();
      }
    }, "pusher");
    pusher.start();
    try {
      Await.until("pushes flowing", Duration.ofSeconds(20), () -> sent.get() >= 3 * KEYS);
      victim.kill();
      killed.set(true);
      Await.until("pushes after the kill", Duration.ofSeconds(30), () -> afterKill.get() >= 5 * KEYS);
    } finally {
      running.set(false);
      pusher.join(20_000);
    }
    assertThat(failures).as("failed pushes of %d", sent.get()).isEmpty();
    Counter fallbacks = app.metrics().registry().find("pushring.proxy.fallbacks").counter();
    assertThat(fallbacks).isNotNull();
    assertThat(fallbacks.count()).isGreaterThanOrEqualTo(deadKeys.size());
    // every key of the dead member holds its last pushed value on the member that owns it without it
    for (int key : deadKeys) {
      Member next = owner(without, key);
      PushgatewayProcess holder = pgs.get(members.indexOf(next));
      String metrics = holder.request("GET", "/metrics", null, Duration.ofSeconds(5)).bodyText();
      assertThat(metrics).contains("fallback_value{instance=\"host-" + key + "\",job=\"fallback\"} " + lastValue.get(key));
    }
  }

  @Test
  void aTimeoutOrAnErrorAnswerAfterSendingIsNeverRetriedElsewhere() {
    try (RecordingUpstream silent = new RecordingUpstream().neverAnswer(); RecordingUpstream other = new RecordingUpstream()) {
      List<Member> members = List.of(Member.ofAddress("127.0.0.1", silent.port()), Member.ofAddress("127.0.0.1", other.port()));
      vertx = Vertx.vertx();
      PushringApp app = PushringApp.deploy(vertx, TestConfig.staticMembers(silent.address() + "," + other.address(),
          "PUSHRING_ROUTER_MODE", "proxy", "PUSHRING_ROUTER_PROXY_TIMEOUT", "300ms")).await();
      Ring ring = Ring.build(Placement.GROUPING_KEY, members, 1);
      int key = 0;
      while (!owner(ring, key).equals(members.get(0))) key++;
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest put = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path(key)))
          .PUT(HttpRequest.BodyPublishers.ofString("x 1\n")).timeout(Duration.ofSeconds(10)).build();
      assertThat(client.send(put, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(504);
      assertThat(silent.await(1, 5_000)).hasSize(1);
      assertThat(other.seen()).isEmpty();
      // an error answer is the owner's answer
      silent.answer(500, "boom");
      assertThat(client.send(put, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(500);
      assertThat(other.seen()).isEmpty();
      assertThat(app.metrics().registry().find("pushring.proxy.fallbacks").counter().count()).isZero();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * The kill's race, made deterministic: the owner takes the request on a pooled connection and
   * closes it without an answer, as do its other pooled connections, and no longer listens. The
   * resend must not take another pooled (dead) connection: a new one is refused and the push goes
   * to the next owner. (Resending on the pool failed this with 502 "Connection was closed".)
   */
  @Test
  void aPushWhoseOwnerDiesWithPooledConnectionsOpenGoesToTheNextOwner() throws Exception {
    try (DyingUpstream dying = new DyingUpstream(); RecordingUpstream other = new RecordingUpstream()) {
      List<Member> members = List.of(Member.ofAddress("127.0.0.1", dying.port()), Member.ofAddress("127.0.0.1", other.port()));
      vertx = Vertx.vertx();
      PushringApp app = PushringApp.deploy(vertx, TestConfig.staticMembers(
          "127.0.0.1:" + dying.port() + "," + other.address(), "PUSHRING_ROUTER_MODE", "proxy")).await();
      Ring ring = Ring.build(Placement.GROUPING_KEY, members, 1);
      int key = 0;
      while (!owner(ring, key).equals(members.get(0))) key++;
      URI uri = URI.create("http://127.0.0.1:" + app.port() + path(key));
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      // Fill every router's pool with several open connections: concurrent pushes, answered late.
      List<java.util.concurrent.CompletableFuture<HttpResponse<Void>>> warm = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        warm.add(client.sendAsync(HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofString("x " + i + "\n"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()));
      }
      for (var f : warm) assertThat(f.get().statusCode()).isEqualTo(200);
      assertThat(dying.connections()).as("pooled connections to the owner").isGreaterThanOrEqualTo(4);

      dying.die();
      for (int i = 0; i < 8; i++) {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofString("x 1\n"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("push %d after the owner died: %s", i, r.body()).isEqualTo(200);
      }
      assertThat(other.seen()).hasSize(8);
      assertThat(app.metrics().registry().find("pushring.proxy.fallbacks").counter().count()).isGreaterThanOrEqualTo(1);
    }
  }

  /**
   * An HTTP/1.1 upstream on raw sockets that answers 200 (after 200 ms, so that concurrent requests
   * open several connections) until {@link #die()}: then it stops listening (new connections are
   * refused) and closes each open connection with a reset when a request arrives on it, unanswered,
   * as a killed process's kernel does once the request reaches it.
   */
  private static final class DyingUpstream implements AutoCloseable {
    private final java.net.ServerSocket listener = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    private final List<java.net.Socket> open = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean dead;

    DyingUpstream() throws java.io.IOException {
      Thread acceptor = new Thread(() -> {
        while (!listener.isClosed()) {
          try {
            java.net.Socket s = listener.accept();
            accepted.incrementAndGet();
            open.add(s);
            Thread t = new Thread(() -> serve(s), "dying-upstream-conn");
            t.setDaemon(true);
            t.start();
          } catch (java.io.IOException closed) {
            return;
          }
        }
      }, "dying-upstream");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return listener.getLocalPort();
    }

    int connections() {
      return accepted.get();
    }

    void die() throws java.io.IOException {
      dead = true;
      listener.close();
    }

    private void serve(java.net.Socket s) {
      try (s; var in = new java.io.BufferedInputStream(s.getInputStream()); var out = s.getOutputStream()) {
        while (true) {
          int length = 0;
          String line;
          boolean first = true;
          while (!(line = readLine(in)).isEmpty() || first) {
            if (line.isEmpty()) return;   // connection closed before a request
            first = false;
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) length = Integer.parseInt(line.substring(15).trim());
          }
          in.readNBytes(length);
          if (dead) {
            s.setSoLinger(true, 0);   // a reset, no answer
            return;
          }
          Thread.sleep(200);
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          out.flush();
        }
      } catch (Exception gone) {
        // the connection ended
      }
    }

    private static String readLine(java.io.InputStream in) throws java.io.IOException {
      StringBuilder b = new StringBuilder();
      for (int c; (c = in.read()) >= 0; ) {
        if (c == '\n') break;
        if (c != '\r') b.append((char) c);
      }
      return b.toString();
    }

    @Override
    public void close() throws java.io.IOException {
      dead = true;
      listener.close();
      synchronized (open) {
        for (java.net.Socket s : open) s.close();
      }
    }
  }
}
