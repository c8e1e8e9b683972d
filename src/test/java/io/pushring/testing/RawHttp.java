package io.pushring.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeUnit;

/**
 * A blocking HTTP client for tests that sends the request target byte for byte as given (no
 * normalisation, no re-encoding, no redirect following), so tests see exactly what pushring answers.
 * Call from the test thread, never from an event loop.
 */
public final class RawHttp implements AutoCloseable {
  public record Response(int status, MultiMap headers, String body) {
    public String header(String name) { return headers.get(name); }
  }

  private final Vertx own;
  private final HttpClient client;

  /** @param server the server's Vert.x; the client runs on a Vert.x of its own, sharing no event loop with it */
  public RawHttp(Vertx server) {
    this.own = Vertx.vertx();
    Vertx vertx = own;
    // One connection per request: a pooled connection whose request body was still being written
    // when the (early) redirect arrived is not what these tests are about; RouterVerticleTest has a
    // raw-socket test for keep-alive after an early answer.
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setMaxInitialLineLength(1 << 20));
  }

  public Response send(HttpMethod method, int port, String uri) {
    return send(method, port, uri, null);
  }

  public Response send(HttpMethod method, int port, String uri, String body) {
    return send(method, "127.0.0.1", port, uri, body, MultiMap.caseInsensitiveMultiMap());
  }

  public Response send(HttpMethod method, String host, int port, String uri, String body, MultiMap headers) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(uri)
        .setHeaders(headers).setFollowRedirects(false);
    return client.request(options)
        .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), copy(resp), b.toString())))
        .timeout(20, TimeUnit.SECONDS)
        .await();
  }

  public Response get(int port, String uri) {
    return send(HttpMethod.GET, port, uri);
  }

  private static MultiMap copy(HttpClientResponse resp) {
    return MultiMap.caseInsensitiveMultiMap().addAll(resp.headers());
  }

  @Override
  public void close() {
    client.close().await();
    own.close().await();
  }
}
