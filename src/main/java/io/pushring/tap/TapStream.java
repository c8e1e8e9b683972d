package io.pushring.tap;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /api/v1/tap}: the tap as Server-Sent Events, one {@code data:} line of JSON per routing
 * decision, filtered and sampled per subscriber, plus an {@code event: ring} block per ring change.
 * Comment lines (ignored by EventSource, readable in {@code curl -N}) say what is streamed, keep
 * idle connections alive, and report drops.
 *
 * <p>At most {@code tap.max-subscribers} streams are open; one more is refused with 503 and
 * {@code Retry-After}. A subscriber counts (and routers start publishing) before the response
 * headers go out: a client that sees the stream open sees every later decision. Events reach it
 * through the {@link TapHub}, which encodes each once and hands each subscriber one buffer per
 * fan-out; the write itself happens here, on the connection's event loop. A slow reader never slows
 * routing: while its write queue is full its events are dropped and counted, and a reader stalled
 * for {@value #STALL_MILLIS} ms is disconnected.
 */
public final class TapStream implements Handler<RoutingContext> {
  /** Comment sent on idle streams so proxies and clients keep them open, and dead peers surface. */
  static final long KEEPALIVE_MILLIS = 15_000;
  /** Bytes buffered per subscriber before events are dropped (a few hundred events). */
  static final int WRITE_QUEUE_BYTES = 128 * 1024;
  /** A reader whose write queue stays full this long is disconnected: it holds memory and learns nothing. */
  static final long STALL_MILLIS = 5_000;
  /** {@code Retry-After} of the 503 when every subscriber slot is taken. */
  static final String RETRY_AFTER_SECONDS = "10";

  private final TapSwitch tap;

  public TapStream(Vertx vertx, TapSwitch tap) {
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
    if (!tap.tryAcquire()) {
      response.putHeader("Retry-After", RETRY_AFTER_SECONDS);
      text(response, 503, "the tap already has " + tap.maxSubscribers()
          + " subscribers (tap.max-subscribers); try again later");
      return;
    }
    Subscription subscription = new Subscription(Vertx.currentContext(), response, filter, tap);
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

  /**
   * One open stream. Its response is touched only on {@link #context} (the connection's event
   * loop); the hub reads {@link #filter} and {@link #closed} and owns the batch fields.
   */
  static final class Subscription {
    final TapFilter filter;
    private final Context context;
    private final HttpServerResponse response;
    private final TapSwitch tap;
    private volatile boolean closed;
    // on the context
    private long droppedSinceReport;
    private boolean awaitingDrain;
    private long stalledSince;
    // owned by the hub
    Buffer batch;
    int batchEvents;
    long lastSentMillis;

    Subscription(Context context, HttpServerResponse response, TapFilter filter, TapSwitch tap) {
      this.context = context;
      this.response = response;
      this.filter = filter;
      this.tap = tap;
    }

    void start() {
      response.setChunked(true)
          .setWriteQueueMaxSize(WRITE_QUEUE_BYTES)
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
          .putHeader("X-Accel-Buffering", "no");
      response.closeHandler(v -> close());
      response.exceptionHandler(err -> close());
      response.write(": pushring tap: one JSON routing decision per 'data:' line; " + filter.describe() + "\n"
          + "retry: 2000\n\n");
      tap.join(this);
    }

    boolean closed() { return closed; }

    /** From the hub: one batch of {@code events} events (0: a keepalive), written on this stream's event loop. */
    void send(Buffer data, int events) {
      context.runOnContext(v -> write(data, events));
    }

    private void write(Buffer data, int events) {
      if (closed) return;
      if (response.writeQueueFull()) {
        droppedSinceReport += events;
        tap.droppedForStalledReader(events);
        long now = System.currentTimeMillis();
        if (stalledSince == 0) {
          stalledSince = now;
        } else if (now - stalledSince >= STALL_MILLIS) {
          tap.disconnected();
          close();
          response.reset();   // HTTP/1.1: closes the connection; its queued bytes go with it
          return;
        }
        if (!awaitingDrain) {
          awaitingDrain = true;
          response.drainHandler(v -> {
            awaitingDrain = false;
            stalledSince = 0;
            if (closed || droppedSinceReport == 0) return;
            response.write(": " + droppedSinceReport + " events dropped: this reader is slower than the tap\n\n");
            droppedSinceReport = 0;
          });
        }
        return;
      }
      stalledSince = 0;
      response.write(data);
    }

    void endOnShutdown() {
      if (closed || response.ended()) return;
      close();
      response.end(": pushring is stopping\n\n");
    }

    void close() {
      if (closed) return;
      closed = true;
      tap.unsubscribed();
    }
  }
}
