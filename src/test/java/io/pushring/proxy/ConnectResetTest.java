package io.pushring.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.ring.Member;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A connection the owner's kernel accepts and resets before pushring's event loop has finished
 * connecting: Netty's finishConnect then fails with "Connection reset by peer: /host:port". A
 * SIGKILLed Pushgateway's listener does this for the instant between the kill and its close, and on
 * a loaded machine the event loop is slow enough to see it (CI: 2 of ~4,800 pushes at a kill were
 * answered 502 so, without a second try). Nothing was sent on such a connection, so the push goes
 * again on a new one, after the same waits as a push whose connection broke, and a dying owner then
 * refuses, which sends the push to the next owner.
 *
 * <p>The reset is made here, not waited for: the kernel's timing cannot be forced in a test, so the
 * forwarder's connections go through a wrapper that fails the first ones the way Netty reports it.
 * Everything else is real: Pushgateway processes, the forwarder's clients, a JDK client.
 */
class ConnectResetTest {
  private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();
  private Vertx vertx;

  @AfterEach
  void stop() throws Exception {
    if (vertx != null) vertx.close().await();
    for (AutoCloseable c : closing) c.close();
  }

  @Test
  void aPushWhoseFirstConnectionIsResetWhileConnectingIsSentAgainAndLands() throws Exception {
    PushgatewayProcess owner = pushgateway();
    AtomicInteger connects = new AtomicInteger();
    int port = forwarderTo(member(owner), null, resetFirst(1, connects));

    HttpResponse<String> r = put(port, "/metrics/job/reset/instance/a", "reset_metric 42\n");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(connects.get()).as("connections asked for: the reset one, then a new one").isEqualTo(2);
    assertThat(owner.groups()).containsExactly(Map.of("job", "reset", "instance", "a"));
  }

  /** A POST too: what makes a POST unsafe to send twice is a body that may have arrived, and none did. */
  @Test
  void aPostIsSentAgainTooNothingHadBeenSent() throws Exception {
    PushgatewayProcess owner = pushgateway();
    AtomicInteger connects = new AtomicInteger();
    int port = forwarderTo(member(owner), null, resetFirst(2, connects));

    HttpResponse<String> r = send(port, "POST", "/metrics/job/reset/instance/b", "reset_metric 7\n");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(connects.get()).isEqualTo(3);
    assertThat(owner.groups()).containsExactly(Map.of("job", "reset", "instance", "b"));
  }

  /** The dying owner: reset while connecting, then refused (its listener closed): the next owner takes the push. */
  @Test
  void aResetThenARefusalSendsThePushToTheNextOwner() throws Exception {
    PushgatewayProcess dead = pushgateway();
    PushgatewayProcess next = pushgateway();
    Member deadMember = member(dead);
    dead.kill();
    AtomicInteger connects = new AtomicInteger();
    Fallback fallback = refused -> Future.succeededFuture(refused.equals(deadMember) ? member(next) : null);
    int port = forwarderTo(deadMember, fallback, resetFirst(1, connects));

    HttpResponse<String> r = put(port, "/metrics/job/reset/instance/c", "reset_metric 1\n");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(connects.get()).as("reset, refused, the next owner").isEqualTo(3);
    assertThat(next.groups()).containsExactly(Map.of("job", "reset", "instance", "c"));
  }

  /**
   * An owner whose every connection is reset is not tried for ever: after the resend waits (0, 100,
   * 400, 1,000, 2,000 ms) the client gets 502 saying how many connections were tried, and the push
   * reached no Pushgateway.
   */
  @Test
  void anOwnerThatResetsEveryConnectionIsAnswered502AfterTheResendWaits() throws Exception {
    PushgatewayProcess owner = pushgateway();
    AtomicInteger connects = new AtomicInteger();
    int port = forwarderTo(member(owner), null, resetFirst(Integer.MAX_VALUE, connects));

    long start = System.nanoTime();
    HttpResponse<String> r = put(port, "/metrics/job/reset/instance/d", "reset_metric 1\n");
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).contains("Connection reset by peer").contains("6 connections tried");
    assertThat(connects.get()).isEqualTo(6);
    assertThat(tookMillis).as("the waits between the connections").isGreaterThanOrEqualTo(3_500);
    assertThat(owner.groups()).isEmpty();
  }

  // ---- fixture ----

  private PushgatewayProcess pushgateway() {
    PushgatewayProcess p = PushgatewayProcess.start();
    closing.add(p);
    return p;
  }

  private static Member member(PushgatewayProcess p) {
    return Member.ofAddress(p.host(), p.port());
  }

  /**
   * Fails the first {@code resets} connection requests as Netty reports a connection reset while
   * connecting, counting every request; the others go to the real client.
   */
  private static java.util.function.UnaryOperator<HttpClientAgent> resetFirst(int resets, AtomicInteger connects) {
    return real -> (HttpClientAgent) Proxy.newProxyInstance(HttpClientAgent.class.getClassLoader(),
        new Class<?>[] {HttpClientAgent.class}, (proxy, method, args) -> {
          if (method.getName().equals("request") && args != null && args.length == 1 && args[0] instanceof RequestOptions o) {
            if (connects.incrementAndGet() <= resets) {
              return Future.failedFuture(new SocketException("Connection reset by peer: /" + o.getServer()));
            }
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /** An HTTP server whose every request the forwarder sends to {@code owner}; returns its port. */
  private int forwarderTo(Member owner, Fallback fallback, java.util.function.UnaryOperator<HttpClientAgent> connections) {
    vertx = Vertx.vertx();
    ProxySettings settings = new ProxySettings(1 << 20, 256 * 1024, 10_000, 30_000);
    return vertx.deployVerticle(new io.vertx.core.VerticleBase() {
      private ProxyForwarder forwarder;

      @Override
      public Future<?> start() {
        forwarder = new ProxyForwarder(vertx, settings, Upstream.plain(), connections);
        HttpServer server = vertx.createHttpServer()
            .requestHandler(req -> forwarder.forward(req, owner, status -> { }, fallback));
        return server.listen(0, "127.0.0.1").onSuccess(s -> port = s.actualPort());
      }

      @Override
      public Future<?> stop() {
        return forwarder.close();
      }
    }).map(id -> port).await();
  }

  private volatile int port;

  private static HttpResponse<String> put(int port, String path, String body) throws Exception {
    return send(port, "PUT", path, body);
  }

  private static HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
