package io.pushring.tap;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A test subscriber of {@code /api/v1/tap}: splits the stream into SSE blocks, queues each
 * {@code data:} JSON and each comment. {@link #open} returns once the opening comment arrived, i.e.
 * once the server counts this subscriber.
 */
final class SseClient implements AutoCloseable {
  final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  final BlockingQueue<String> comments = new LinkedBlockingQueue<>();
  private final HttpClient client;
  private HttpClientResponse response;

  private SseClient(HttpClient client) {
    this.client = client;
  }

  static SseClient open(Vertx vertx, int port, String query) {
    return open(vertx, port, query, new HttpClientOptions());
  }

  static SseClient open(Vertx vertx, int port, String query, HttpClientOptions options) {
    SseClient sse = new SseClient(vertx.createHttpClient(options));
    sse.response = sse.client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
            .setURI("/api/v1/tap" + (query.isEmpty() ? "" : "?" + query)))
        .compose(req -> req.send())
        .map(resp -> {
          if (resp.statusCode() != 200) throw new IllegalStateException("tap answered " + resp.statusCode());
          RecordParser blocks = RecordParser.newDelimited("\n\n", block -> sse.block(block.toString()));
          resp.handler(blocks);
          return resp;
        })
        .timeout(10, TimeUnit.SECONDS)
        .await();
    String opening = sse.nextComment(Duration.ofSeconds(10));
    if (opening == null || !opening.startsWith("pushring tap")) throw new IllegalStateException("no opening comment: " + opening);
    return sse;
  }

  private void block(String block) {
    for (String line : block.split("\n")) {
      if (line.startsWith("data: ")) events.add(new JsonObject(line.substring(6)));
      else if (line.startsWith(": ")) comments.add(line.substring(2));
    }
  }

  HttpClientResponse response() { return response; }

  String nextComment(Duration timeout) {
    try {
      return comments.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Exactly {@code n} events, each within {@code timeout} of the previous. */
  List<JsonObject> take(int n, Duration timeout) {
    List<JsonObject> out = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        JsonObject e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (e == null) break;
        out.add(e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out;
  }

  @Override
  public void close() {
    client.close().await();
  }
}
