package io.pushring.consul;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/**
 * Consul's HTTP API as every part of pushring calls it: a WebClient on the {@link ConsulLink}'s
 * address, scheme and TLS, every request carrying the current ACL token and a timeout of its own. A
 * thin adapter: what to send and what an answer means live in the callers' pure classes.
 *
 * <p>A WebClient rather than the Vert.x Consul client because these callers need what that client
 * hides: the check {@code Timeout} of a registration, the status and body of an answer (a session
 * renew answered {@code 404} means the session is gone, a {@code 403} names a missing ACL rule), the
 * {@code X-Consul-Index} of a KV read that found no key, a timeout per request (the client has one
 * for all, which must exceed the blocking wait), and a token that changes while it runs (the client
 * fixes it at creation).
 */
public final class ConsulApi {
  private final WebClient client;
  private final ConsulLink link;

  private ConsulApi(WebClient client, ConsulLink link) {
    this.client = client;
    this.link = link;
  }

  public static ConsulApi create(Vertx vertx, ConsulLink link) {
    ConsulSettings settings = link.settings();
    WebClientOptions options = new WebClientOptions()
        .setDefaultHost(settings.host())
        .setDefaultPort(settings.port())
        .setConnectTimeout(5_000)
        .setIdleTimeout(30);
    link.tls().apply(options);
    return new ConsulApi(WebClient.create(vertx, options), link);
  }

  public ConsulSettings settings() {
    return link.settings();
  }

  /**
   * A request to the agent with the token set; {@code timeoutMillis} bounds it whole, so a Consul
   * that accepts the connection and never answers fails it instead of holding it for ever.
   */
  public HttpRequest<Buffer> request(HttpMethod method, String uri, long timeoutMillis) {
    HttpRequest<Buffer> req = client.request(method, uri).timeout(timeoutMillis);
    String token = link.token().value();
    if (!token.isEmpty()) req.putHeader("X-Consul-Token", token);
    return req;
  }

  /**
   * A {@code 403} answered to {@code who}: the message naming {@code rules} ({@link ConsulAcl}), and
   * a re-read of the token file (a rotated token is often first noticed by its refusal).
   */
  public ConsulAcl.Refused refused(HttpResponse<Buffer> answer, String who, String rules) {
    link.token().reload(link.vertx());
    return new ConsulAcl.Refused(ConsulAcl.refusal(who, rules, answer.bodyAsString()));
  }

  /** True when requests carry a token (an empty listing may then be the ACLs at work). */
  public boolean hasToken() {
    return !link.token().value().isEmpty();
  }

  /**
   * A failure in one line with its causes: a refused TLS handshake says only "Failed to create SSL
   * connection", the reason (an unknown CA, a name the certificate lacks) is in its causes. A
   * {@link ConsulAcl.Refused} is its message.
   */
  public static String describe(Throwable failure) {
    if (failure instanceof ConsulAcl.Refused) return failure.getMessage();
    StringBuilder out = new StringBuilder(failure.toString());
    String last = String.valueOf(failure.getMessage());
    int depth = 0;
    for (Throwable c = failure.getCause(); c != null && c != c.getCause() && depth < 8; c = c.getCause(), depth++) {
      String m = c.getMessage();
      if (m != null && !last.contains(m)) {
        out.append(": ").append(m);
        last = m;
      }
    }
    return out.toString();
  }

  public void close() {
    client.close();
  }
}
