package io.pushring.testing.consul;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A health-check target for tests: answers every request with a settable status, and can go down
 * (listener closed: connection refused) and come back on the same port. Blocking methods; call them
 * from the test thread, not from an event loop.
 */
public final class CheckTarget implements AutoCloseable {
  private final Vertx vertx;
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicInteger hits = new AtomicInteger();
  private volatile HttpServer server;
  private final int port;

  private CheckTarget(Vertx vertx) {
    this.vertx = vertx;
    this.server = listen(0);
    this.port = server.actualPort();
  }

  /** Starts on a free loopback port on {@code vertx}, answering 200. */
  public static CheckTarget start(Vertx vertx) {
    return new CheckTarget(vertx);
  }

  public int port() {
    return port;
  }

  public String url() {
    return "http://127.0.0.1:" + port + "/health";
  }

  public void status(int code) {
    status.set(code);
  }

  public int hits() {
    return hits.get();
  }

  /** Closes the listener: further checks get "connection refused". */
  public void down() {
    HttpServer s = server;
    server = null;
    if (s != null) {
      await(s.close().toCompletionStage().toCompletableFuture());
    }
  }

  /** Listens again on the same port. */
  public void up() {
    if (server == null) {
      server = listen(port);
    }
  }

  @Override
  public void close() {
    down();
  }

  private HttpServer listen(int onPort) {
    return await(vertx.createHttpServer()
        .requestHandler(req -> {
          hits.incrementAndGet();
          int code = status.get();
          req.response().setStatusCode(code).end(code == 200 ? "OK" : "status " + code);
        })
        .listen(onPort, "127.0.0.1").toCompletionStage().toCompletableFuture());
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
