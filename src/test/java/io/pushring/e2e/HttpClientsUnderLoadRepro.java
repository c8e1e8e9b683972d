package io.pushring.e2e;

import io.pushring.PushringApp;
import io.pushring.testing.Await;
import io.pushring.testing.JdkHttp;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * REPRODUCERS, not part of the suite (surefire runs {@code *Test} classes only): why the Consul
 * tests keep a plain keep-alive socket client ({@code consul/SocketHttp}). Run one with
 * {@code mvn test -Dtest=HttpClientsUnderLoadRepro#vertxClientFromTestThreads}. Each sends 4 x 10,000
 * PUTs from 4 blocking threads in 4 rounds (with pauses of 2.5-4 s between rounds) over pooled
 * keep-alive connections and prints the outcomes; {@code -Dtarget=plain} aims them at a bare Vert.x
 * server answering 307 (with pushring's TCP_NODELAY) instead of pushring.
 *
 * <p>Seen on this machine (2 cores, load 15-20), Vert.x 5.0.7, OpenJDK 17.0.15:
 * <ul>
 *   <li>{@link #jdkClient()}: 1-3 of 40,000 PUTs fail with {@code IOException: HTTP/1.1 header parser
 *       received no bytes}, caused by {@code connection closed locally} (4 of 4 runs against pushring,
 *       2 of 3 against the bare server with TCP_NODELAY, 0 of 3 against it without);
 *   <li>{@link #vertxClientFromTestThreads()}: one request never completes: its thread waits in
 *       {@code Future.await()} for good (8 min, then killed), {@code RequestOptions.setTimeout(20 s)}
 *       never fires, and the client JVM holds no connection to the server at all: the request is
 *       stuck waiting for a pooled connection (2 of 2 runs against pushring: 1 request stuck, then 2;
 *       the threads dumped with {@code jcmd <pid> Thread.print} wait in {@code Future.await}); with
 *       {@code -Dtarget=plain}, no pushring involved, 7 of 40,000 requests got neither an answer nor
 *       a failure within 60 s: the upstream reproducer. Pushring's own proxy
 *       calls the client from its event loop, which {@code VertxClientStallTest} drives under load
 *       without a stall.
 * </ul>
 */
class HttpClientsUnderLoadRepro {
  private static final int THREADS = 4;
  private static final int PER_THREAD = 2_500;

  @Test
  void jdkClient() throws Exception {
    JdkHttp http = new JdkHttp();
    run((port, path) -> String.valueOf(http.send("PUT", port, path, "").status()));
  }

  @Test
  void vertxClientFromTestThreads() throws Exception {
    Vertx clientVertx = Vertx.vertx();
    HttpClient client = clientVertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(8));
    try {
      run((port, path) -> {
        io.vertx.core.Future<Integer> status = client.request(new RequestOptions().setMethod(HttpMethod.PUT)
                .setHost("127.0.0.1").setPort(port).setURI(path).setTimeout(20_000))
            .compose(req -> req.send("")).compose(resp -> resp.body().map(b -> resp.statusCode()));
        try {
          return String.valueOf(status.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
        } catch (TimeoutException stalled) {
          return "STALLED: no answer and no failure within 60 s (request timeout was 20 s)";
        }
      });
    } finally {
      clientVertx.close().await();
    }
  }

  interface Put {
    String send(int port, String path) throws Exception;
  }

  private static void run(Put put) throws Exception {
    Vertx vertx = Vertx.vertx();
    int port = "plain".equals(System.getProperty("target"))
        ? vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setReuseAddress(true))
            .requestHandler(r -> r.response().setStatusCode(307).putHeader("Location", "http://127.0.0.1:1/").end())
            .listen(0, "127.0.0.1").await().actualPort()
        : PushringApp.deploy(vertx, TestConfig.staticMembers("127.0.0.1:1,127.0.0.1:2,127.0.0.1:3")).await().port();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    Map<String, Integer> outcomes = new ConcurrentHashMap<>();
    try {
      for (int round = 0; round < 4; round++) {
        List<Future<?>> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          int thread = t;
          threads.add(pool.submit(() -> {
            for (int i = 0; i < PER_THREAD; i++) {
              String outcome;
              try {
                outcome = put.send(port, "/metrics/job/repro/i/" + thread + "-" + i);
              } catch (Exception e) {
                outcome = e.toString();
              }
              outcomes.merge(outcome, 1, Integer::sum);
            }
          }));
        }
        for (Future<?> f : threads) f.get();
        System.out.println("round " + round + ": " + new TreeMap<>(outcomes));
        Await.sleep(2_500L + 500L * round);
      }
    } finally {
      pool.shutdownNow();
      vertx.close().await();
    }
  }
}
