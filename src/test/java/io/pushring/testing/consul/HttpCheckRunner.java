package io.pushring.testing.consul;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs one HTTP check for real, like Consul's {@code checks.CheckHTTP}: the first run after a random
 * stagger in [0, interval), then one every interval counted from the end of the previous run; the
 * whole exchange bounded by the timeout; 2xx passing, 429 warning, anything else or an error
 * critical; output {@code "HTTP GET <url>: 200 OK Output: <body>"}. The only check kind pushring
 * registers. Runs on the server's context and reports to the state.
 */
final class HttpCheckRunner {
  private static final int OUTPUT_MAX = 4 * 1024;

  private final Vertx vertx;
  private final HttpClient http;
  private final ConsulState.CheckDef def;
  private final ConsulState state;
  private long timer = -1;
  private boolean stopped = true;

  HttpCheckRunner(Vertx vertx, HttpClient http, ConsulState.CheckDef def, ConsulState state) {
    this.vertx = vertx;
    this.http = http;
    this.def = def;
    this.state = state;
  }

  void start() {
    if (!stopped) return;
    stopped = false;
    schedule(ThreadLocalRandom.current().nextLong(Math.max(1, def.interval().toMillis())));
  }

  void stop() {
    stopped = true;
    if (timer >= 0) vertx.cancelTimer(timer);
    timer = -1;
  }

  private void schedule(long delayMs) {
    timer = vertx.setTimer(Math.max(1, delayMs), t -> {
      timer = -1;
      runOnce();
    });
  }

  private void runOnce() {
    if (stopped) return;
    long timeoutMs = Math.max(1, def.timeout().toMillis());
    String url = def.http();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(def.method())).setAbsoluteURI(url)
        .setConnectTimeout(timeoutMs).setIdleTimeout(timeoutMs).putHeader("User-Agent", "Consul Health Check")
        .putHeader("Accept", "text/plain, text/*, */*");
    http.request(options)
        .compose(req -> req.send().compose(resp -> resp.body().map(body -> {
          String text = body.toString();
          if (text.length() > OUTPUT_MAX) text = text.substring(text.length() - OUTPUT_MAX);
          int code = resp.statusCode();
          String status = code >= 200 && code <= 299 ? ConsulState.PASSING
              : code == 429 ? ConsulState.WARNING : ConsulState.CRITICAL;
          return new String[] {status, "HTTP " + def.method() + " " + url + ": " + code + " " + resp.statusMessage()
              + " Output: " + text};
        })))
        .timeout(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS)
        .onComplete(ar -> {
          if (stopped) return;
          String[] r = ar.succeeded() ? ar.result()
              : new String[] {ConsulState.CRITICAL, def.method() + " " + url + ": " + goError(ar.cause())};
          state.updateCheck(def.id(), r[0], r[1]);
          schedule(def.interval().toMillis());
        });
  }

  /** Roughly Go's error text, e.g. "dial tcp: connect: connection refused". */
  private static String goError(Throwable cause) {
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String message = String.valueOf(root.getMessage());
    if (message.contains("Connection refused")) return "dial tcp: connect: connection refused";
    if (root instanceof java.util.concurrent.TimeoutException || message.contains("timeout")) {
      return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
    }
    return message;
  }
}
