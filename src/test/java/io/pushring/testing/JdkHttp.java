package io.pushring.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The suite's HTTP client: the JDK's HttpClient, HTTP/1.1, pooled keep-alive, no redirects followed,
 * blocking calls from the test thread. Chosen over the Vert.x client because a test then never runs
 * on, or waits for, an event loop of the Vert.x under test, and because an independent HTTP
 * implementation does not share the server's codec; the Vert.x client, which proxy mode uses in
 * production, is exercised under load by {@code VertxClientStallTest} (the "stall" once blamed on it
 * was not reproduced). Paths must be valid URIs: requests no client would send (malformed targets,
 * raw bytes, hand-made headers) go through {@link RawHttp}.
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
      throw new UncheckedIOException(method + " " + pathAndQuery + " on port " + port + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Response get(int port, String pathAndQuery) {
    return send("GET", port, pathAndQuery, null);
  }
}
