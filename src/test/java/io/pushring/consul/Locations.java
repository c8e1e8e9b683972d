package io.pushring.consul;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What pushring answers to pushes, many at a time: {@code PUT <path>} (empty body, redirects not
 * followed) and the {@code Location} of the 307. Its own Vert.x, so it measures pushring and not a
 * client that shares pushring's event loops. Call from the test thread.
 */
final class Locations implements AutoCloseable {
  private static final int BATCH = 256;

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
      new PoolOptions().setHttp1MaxSize(8));

  /** path -> Location; a path that did not get a 307 maps to {@code "<status> <body>"} or {@code "error ..."}. */
  Map<String, String> of(int port, List<String> paths) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int from = 0; from < paths.size(); from += BATCH) {
      List<String> batch = paths.subList(from, Math.min(paths.size(), from + BATCH));
      List<Future<String>> answers = new ArrayList<>(batch.size());
      // A failed request becomes its error text, so an assertion names it instead of a bare timeout.
      for (String path : batch) answers.add(put(port, path).timeout(10, TimeUnit.SECONDS)
          .otherwise(err -> "error " + err));
      Future.all(answers).await();
      for (int i = 0; i < batch.size(); i++) out.put(batch.get(i), answers.get(i).result());
    }
    return out;
  }

  /** One PUT; its Location, or {@code "<status> <body>"} when the answer is not a 307. */
  Future<String> put(int port, String path) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.PUT).setHost("127.0.0.1").setPort(port)
        .setURI(path).setFollowRedirects(false);
    return client.request(options)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(body -> resp.statusCode() == 307
            ? resp.getHeader("Location") : resp.statusCode() + " " + body));
  }

  /** What a PUT of {@code path} must be redirected to when {@code baseUrl} owns it. */
  static String expected(String baseUrl, String path) {
    return baseUrl + path;
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
