package io.pushring.tap;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code GET /api/v1/tap}: the tap as Server-Sent Events, one {@code data:} line of JSON per routing
 * decision, filtered and sampled per subscriber. Comment lines (ignored by EventSource, readable
 * in {@code curl -N}) say what is streamed, keep idle connections alive, and report drops.
 *
 * <p>A subscriber counts (and routers start publishing) once its event-bus consumer is registered,
 * and the response headers go out only then: a client that sees the stream open sees every later
 * decision. A slow reader never slows routing: events are delivered to its own consumer on its
 * connection's event loop, and while its write queue is full they are dropped and counted.
 */
public final class TapStream implements Handler<RoutingContext> {
  /** Comment sent on idle streams so proxies and clients keep them open, and dead peers surface. */
  static final long KEEPALIVE_MILLIS = 15_000;
  /** Bytes buffered per subscriber before events are dropped (a few hundred events). */
  static final int WRITE_QUEUE_BYTES = 128 * 1024;

  private final Vertx vertx;
  private final TapSwitch tap;

  public TapStream(Vertx vertx, TapSwitch tap) {
    this.vertx = vertx;
    this.tap = tap;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (!tap.enabled()) {
      text(response, 404, "the tap is disabled (tap.enabled: false)");
      return;
    }
    TapFilter filter;
    try {
      filter = TapFilter.parse(ctx.queryParams());
    } catch (IllegalArgumentException bad) {
      text(response, 400, bad.getMessage());
      return;
    }
    Subscription subscription = new Subscription(response, filter);
    subscription.start();
    // Server shutdown (SIGTERM): end the stream at once, or it would hold the drain for its whole
    // timeout; EventSource clients reconnect (retry: 2000), to another instance behind a balancer.
    // One handler per connection: on HTTP/1.1 a stream has its connection to itself; several h2c
    // streams on one connection would end with the drain timeout but the last.
    ctx.request().connection().shutdownHandler(v -> subscription.endOnShutdown());
  }

  private static void text(HttpServerResponse response, int status, String message) {
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end(message + "\n");
  }

  /** One open stream; lives on the event loop of its connection. */
  private final class Subscription {
    private final HttpServerResponse response;
    private final TapFilter filter;
    private MessageConsumer<TapEvent> consumer;
    private long keepalive = -1;
    private boolean counted;
    private boolean closed;
    private long droppedSinceReport;
    private boolean awaitingDrain;

    Subscription(HttpServerResponse response, TapFilter filter) {
      this.response = response;
      this.filter = filter;
    }

    void start() {
      response.setChunked(true)
          .setWriteQueueMaxSize(WRITE_QUEUE_BYTES)
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
          .putHeader("X-Accel-Buffering", "no");
      response.closeHandler(v -> close());
      response.exceptionHandler(err -> close());
      consumer = vertx.eventBus().localConsumer(TapSwitch.ADDRESS, msg -> deliver(msg.body()));
      consumer.completion().onComplete(ar -> {
        if (closed) return;
        if (ar.failed()) {
          response.setStatusCode(500).end();
          close();
          return;
        }
        counted = true;
        tap.subscribed();
        response.write(": pushring tap: one JSON routing decision per 'data:' line; " + filter.describe() + "\n"
            + "retry: 2000\n\n");
        keepalive = vertx.setPeriodic(KEEPALIVE_MILLIS, t -> {
          if (!response.writeQueueFull()) response.write(": keepalive\n\n");
        });
      });
    }

    void deliver(TapEvent event) {
      if (closed || !counted || !filter.matches(event) || !filter.sampled(ThreadLocalRandom.current()::nextDouble)) {
        return;
      }
      if (response.writeQueueFull()) {
        droppedSinceReport++;
        tap.dropped();
        if (!awaitingDrain) {
          awaitingDrain = true;
          response.drainHandler(v -> {
            awaitingDrain = false;
            if (closed) return;
            response.write(": " + droppedSinceReport + " events dropped: this reader is slower than the tap\n\n");
            droppedSinceReport = 0;
          });
        }
        return;
      }
      response.write("data: " + event.toJson().encode() + "\n\n");
    }

    void endOnShutdown() {
      if (closed || response.ended()) return;
      close();
      response.end(": pushring is stopping\n\n");
    }

    void close() {
      if (closed) return;
      closed = true;
      if (counted) tap.unsubscribed();
      if (keepalive >= 0) vertx.cancelTimer(keepalive);
      if (consumer != null) consumer.unregister();
    }
  }
}
