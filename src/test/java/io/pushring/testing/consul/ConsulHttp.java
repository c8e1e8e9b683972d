package io.pushring.testing.consul;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A blocking Consul HTTP caller for fixtures and test set-up, on the JDK client so it works from any
 * test thread whatever Vert.x instances exist. Never call it from an event loop.
 */
final class ConsulHttp {
  /** Status and body of one call, plus the X-Consul-Index if there was one (else -1). */
  record Reply(int status, String body, long index) {
    boolean ok() {
      return status == 200;
    }
  }

  private final HttpClient client = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
  private final String base;
  private final String token;

  ConsulHttp(String host, int port, String token) {
    this.base = "http://" + host + ":" + port;
    this.token = token;
  }

  Reply get(String pathAndQuery) {
    return send(builder(pathAndQuery).GET().build());
  }

  Reply put(String path, String body) {
    return send(builder(path).PUT(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
  }

  Reply delete(String path) {
    return send(builder(path).DELETE().build());
  }

  private HttpRequest.Builder builder(String pathAndQuery) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(30));
    if (token != null && !token.isEmpty()) {
      b.header("X-Consul-Token", token);
    }
    return b;
  }

  private Reply send(HttpRequest request) {
    try {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      long index = r.headers().firstValue("X-Consul-Index").map(Long::parseUnsignedLong).orElse(-1L);
      return new Reply(r.statusCode(), r.body(), index);
    } catch (IOException e) {
      throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
