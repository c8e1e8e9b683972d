package io.pushring.consul;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/**
 * Consul's HTTP API as the registrar and the leader election call it: a WebClient on
 * {@link ConsulSettings}' address and scheme, every request carrying the ACL token and a timeout of
 * its own. A thin adapter: what to send and what an answer means live in the callers' pure classes.
 *
 * <p>A WebClient rather than the Vert.x Consul client because these callers need what that client
 * hides: the check {@code Timeout} of a registration, the status of an answer (a session renew
 * answered {@code 404} means the session is gone, a failed request means nothing yet), the
 * {@code X-Consul-Index} of a KV read that found no key, and a timeout per request (the client has
 * one for all, which must exceed the blocking wait).
 */
public final class ConsulApi {
  private final WebClient client;
  private final ConsulSettings settings;

  private ConsulApi(WebClient client, ConsulSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  public static ConsulApi create(Vertx vertx, ConsulSettings settings) {
    return new ConsulApi(WebClient.create(vertx, new WebClientOptions()
        .setDefaultHost(settings.host())
        .setDefaultPort(settings.port())
        .setSsl("https".equals(settings.scheme()))
        .setConnectTimeout(5_000)
        .setIdleTimeout(30)), settings);
  }

  public ConsulSettings settings() {
    return settings;
  }

  /**
   * A request to the agent with the token set; {@code timeoutMillis} bounds it whole, so a Consul
   * that accepts the connection and never answers fails it instead of holding it for ever.
   */
  public HttpRequest<Buffer> request(HttpMethod method, String uri, long timeoutMillis) {
    HttpRequest<Buffer> req = client.request(method, uri).timeout(timeoutMillis);
    if (!settings.token().isEmpty()) req.putHeader("X-Consul-Token", settings.token());
    return req;
  }

  public void close() {
    client.close();
  }
}
