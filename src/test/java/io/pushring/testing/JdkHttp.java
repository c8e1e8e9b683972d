package io.pushring.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A blocking HTTP/1.1 client on the JDK's HttpClient, no redirects followed. For tests that send
 * hundreds of requests: the Vert.x client of {@link RawHttp}, on the same Vert.x as the server,
 * intermittently leaves one request in a few hundred unanswered (20 s timeout) while this one does
 * not (1000 of 1000 on the same router). Paths must be valid URIs (use RawHttp for odd bytes).
 */
public final class JdkHttp {
  public record Response(int status, String body, HttpResponse<String> raw) {
    public String header(String name) { return raw.headers().firstValue(name).orElse(null); }
  }

  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  /** {@code body} null sends none (GET, or a request that carries no body). */
  public Response send(String method, int port, String pathAndQuery, String body) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build();
    try {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + pathAndQuery, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Response get(int port, String pathAndQuery) {
    return send("GET", port, pathAndQuery, null);
  }
}
