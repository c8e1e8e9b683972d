package io.pushring.router;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.HashMap;
import java.util.Map;

/**
 * What Vert.x's {@code HttpServer.shutdown} does not do: on HTTP/1.1 it closes a connection after
 * its in-flight response, but that response does not say {@code Connection: close}, so a
 * keep-alive client sends its next push onto the closing connection and gets EOF. This remembers
 * each HTTP/1.x connection's latest response and, when the drain starts, marks every response
 * not yet begun. (Vert.x closes idle connections at once and sends {@code GOAWAY} on HTTP/2 ones,
 * where a {@code Connection} header is forbidden.) Lives on the router's event loop: a server's
 * connections are handled on the context of the verticle that created it.
 */
final class ConnectionDrain {
  private final Map<HttpConnection, HttpServerResponse> latest = new HashMap<>();
  private boolean draining;

  /** From the request handler, for every request: one hash-map put. */
  void request(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_2) return;
    HttpServerResponse response = request.response();
    HttpConnection connection = request.connection();
    if (latest.put(connection, response) == null) connection.closeHandler(v -> latest.remove(connection));
    if (draining) closeAfter(response);
  }

  /** The server's shutdown starts now: every response not yet begun says {@code Connection: close}. */
  void start() {
    draining = true;
    for (HttpServerResponse response : latest.values()) {
      if (!response.ended()) closeAfter(response);
    }
  }

  private static void closeAfter(HttpServerResponse response) {
    if (!response.headWritten()) response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
  }
}
