package io.pushring.reconcile;

import io.pushring.key.GroupingKey;
import io.pushring.ring.Member;
import io.pushring.upstream.FleetCredential;
import io.pushring.upstream.Upstream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.util.Set;

/**
 * The reconciler's blocking calls to one Pushgateway: read its groups (streamed), read some groups'
 * families, PUT a group, DELETE a group. Blocking on purpose: it runs on the reconciler's own worker
 * thread, never on an event loop, and a pass is a sequence of calls paced by a rate limit anyway.
 * Group paths are {@link GroupingKey#base64Path()}, which names any group exactly.
 */
public final class PushgatewayClient {
  private final HttpClient http;
  private final String scheme;
  private final Duration timeout;
  /** The fleet credential; its value is read per request (it may be rotated). */
  private final FleetCredential credential;

  /** Plain http, no credential (tests). */
  public PushgatewayClient(String scheme, Duration timeout) {
    this(checkedPlain(scheme), timeout);
  }

  /** As the proxy reaches the Pushgateways: scheme, TLS trust, client certificate, server name, fleet credential. */
  public PushgatewayClient(Upstream upstream, Duration timeout) {
    this.scheme = upstream.scheme();
    this.timeout = timeout;
    this.credential = upstream.credential();
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1);
    SSLContext tls = upstream.sslContext();
    if (tls != null) {
      builder.sslContext(tls);
      if (upstream.serverName() != null) {
        // SNI for an IP-addressed member (the JDK sends the URI's host name otherwise); the name itself is checked by the trust.
        SSLParameters parameters = tls.getDefaultSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(upstream.serverName())));
        builder.sslParameters(parameters);
      }
    }
    this.http = builder.build();
  }

  private static Upstream checkedPlain(String scheme) {
    if (!"http".equals(scheme)) throw new IllegalArgumentException("use PushgatewayClient(Upstream, Duration) for " + scheme);
    return Upstream.plain();
  }

  /** A failed call: the member, what was asked and what came back. */
  public static final class PushgatewayException extends IOException {
    private static final long serialVersionUID = 1L;

    PushgatewayException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public MemberGroups groups(Member member) throws IOException {
    return readApi(member, MetricsApiReader::readGroups);
  }

  public Map<GroupingKey, GroupFamilies> families(Member member, Set<GroupingKey> keys) throws IOException {
    return readApi(member, in -> MetricsApiReader.readFamilies(in, keys));
  }

  /** PUT: replaces the group on {@code member} with {@code exposition}. */
  public void put(Member member, GroupingKey key, String exposition) throws IOException {
    send(member, "PUT", key.base64Path(), HttpRequest.BodyPublishers.ofString(exposition, StandardCharsets.UTF_8), 200, 202);
  }

  /** DELETE: the Pushgateway queues it and answers 202; it is applied shortly after. */
  public void delete(Member member, GroupingKey key) throws IOException {
    send(member, "DELETE", key.base64Path(), HttpRequest.BodyPublishers.noBody(), 202, 202);
  }

  private interface StreamReader<T> {
    T read(InputStream in) throws IOException;
  }

  private <T> T readApi(Member member, StreamReader<T> reader) throws IOException {
    URI uri = uri(member, "/api/v1/metrics");
    HttpResponse<InputStream> response = call(member, HttpRequest.newBuilder(uri).GET()
        .header("Accept", "application/json").timeout(timeout).build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new PushgatewayException(member.address() + ": GET /api/v1/metrics answered " + response.statusCode(), null);
      }
      try {
        return reader.read(body);
      } catch (IOException e) {
        throw new PushgatewayException(member.address() + ": GET /api/v1/metrics: " + e.getMessage(), e);
      }
    }
  }

  private void send(Member member, String method, String path, HttpRequest.BodyPublisher body, int ok1, int ok2)
      throws IOException {
    HttpRequest request = HttpRequest.newBuilder(uri(member, path)).method(method, body).timeout(timeout)
        .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8").build();
    HttpResponse<String> response = call(member, request, HttpResponse.BodyHandlers.ofString());
    int status = response.statusCode();
    if (status != ok1 && status != ok2) {
      throw new PushgatewayException(member.address() + ": " + method + " " + path + " answered " + status + ": "
          + response.body().strip(), null);
    }
  }

  private <T> HttpResponse<T> call(Member member, HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    try {
      return http.send(withCredential(request), handler);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PushgatewayException(member.address() + ": interrupted", e);
    } catch (IOException e) {
      throw new PushgatewayException(member.address() + ": " + request.method() + " " + request.uri().getRawPath()
          + ": " + e, e);
    }
  }

  /** The fleet credential when configured; else no Authorization at all (there is no client behind a pass). */
  private HttpRequest withCredential(HttpRequest request) {
    String fleet = credential.authorization();
    return fleet == null ? request : HttpRequest.newBuilder(request, (name, value) -> true).header("Authorization", fleet).build();
  }

  private URI uri(Member member, String path) {
    return URI.create(scheme + "://" + member.address() + path);
  }
}
