package io.pushring.testing.consul;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs one check for real, like Consul's {@code checks.CheckHTTP}/{@code CheckTCP}/{@code CheckTTL}:
 *
 * <ul>
 *   <li>first run after a random stagger in [0, interval) ({@code lib.RandomStagger}), then every
 *       interval counted from the end of the previous run; interval raised to the minimum (Consul:
 *       1 s, {@code checks.MinInterval});
 *   <li>HTTP: request with {@code User-Agent: Consul Health Check} and {@code Accept: text/plain,
 *       text/*, *}{@code /*}, no keep-alive, the whole exchange bounded by Timeout (default 10 s);
 *       2xx is passing, 429 warning, anything else or an error critical; Output is {@code "HTTP GET
 *       <url>: 200 OK Output: <body>"} (body capped to 4 KiB) or Go's error text;
 *   <li>TCP: connect within Timeout; Output {@code "TCP connect <addr>: Success"};
 *   <li>TTL: critical with Output "TTL expired" unless updated within TTL;
 *   <li>SuccessBeforePassing / FailuresBeforeWarning / FailuresBeforeCritical as Consul's {@code
 *       StatusHandler} applies them.
 * </ul>
 *
 * It runs on the agent's context; results go to the sink, which owns the catalog.
 */
final class CheckRunner {
  /** Receives (checkId, status, output) on the agent context. */
  interface Sink {
    void update(String checkId, String status, String output);
  }

  static final String USER_AGENT = "Consul Health Check";
  static final int OUTPUT_MAX = 4 * 1024;
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final HttpClient http;
  private final NetClient tcp;
  private final String checkId;
  private final CheckDefinition def;
  private final Duration interval;
  private final boolean stagger;
  private final Sink sink;
  private long timerId = -1;
  private boolean stopped;
  private int successes;
  private int failures;

  CheckRunner(Vertx vertx, HttpClient http, NetClient tcp, String checkId, CheckDefinition def,
      Duration minInterval, boolean stagger, Sink sink) {
    this.vertx = vertx;
    this.http = http;
    this.tcp = tcp;
    this.checkId = checkId;
    this.def = def;
    this.interval = def.interval().compareTo(minInterval) < 0 ? minInterval : def.interval();
    this.stagger = stagger;
    this.sink = sink;
  }

  void start() {
    stopped = false;
    if (def.isTtl()) {
      armTtl();
      return;
    }
    long first = stagger ? ThreadLocalRandom.current().nextLong(Math.max(1, interval.toMillis())) : 0;
    schedule(first);
  }

  void stop() {
    stopped = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  /** A TTL check heard from its service: report and re-arm the TTL. */
  void ttlUpdate(String status, String output) {
    String capped = output.length() > OUTPUT_MAX
        ? output.substring(0, OUTPUT_MAX) + " ... (captured " + OUTPUT_MAX + " of " + output.length()
            + " bytes)" : output;
    sink.update(checkId, status, capped);
    armTtl();
  }

  boolean isTtl() {
    return def.isTtl();
  }

  private void armTtl() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    timerId = vertx.setTimer(Math.max(1, def.ttl().toMillis()), t -> {
      timerId = -1;
      if (!stopped) {
        sink.update(checkId, Catalog.CRITICAL, "TTL expired");
      }
    });
  }

  private void schedule(long delayMs) {
    if (stopped) {
      return;
    }
    if (delayMs <= 0) {
      runOnce();
      return;
    }
    timerId = vertx.setTimer(delayMs, t -> {
      timerId = -1;
      runOnce();
    });
  }

  private void runOnce() {
    if (stopped) {
      return;
    }
    Future<String[]> result = def.isHttp() ? httpCheck() : tcpCheck();
    result.onComplete(ar -> {
      if (stopped) {
        return;
      }
      String[] r = ar.succeeded() ? ar.result() : new String[] {Catalog.CRITICAL, String.valueOf(ar.cause())};
      report(r[0], r[1]);
      schedule(interval.toMillis());
    });
  }

  /** Consul's StatusHandler: thresholds before a status is believed. */
  private void report(String status, String output) {
    if (!Catalog.CRITICAL.equals(status)) {
      successes++;
      failures = 0;
      if (successes >= def.successBeforePassing()) {
        sink.update(checkId, status, output);
      }
      return;
    }
    failures++;
    successes = 0;
    if (failures >= def.failuresBeforeCritical()) {
      sink.update(checkId, Catalog.CRITICAL, output);
    } else if (failures >= def.failuresBeforeWarning()) {
      sink.update(checkId, Catalog.WARNING, output);
    }
  }

  private Duration timeout() {
    return def.timeout().isZero() || def.timeout().isNegative() ? DEFAULT_TIMEOUT : def.timeout();
  }

  private Future<String[]> httpCheck() {
    Promise<String[]> done = Promise.promise();
    String url = def.http();
    String method = def.method();
    String op = method.charAt(0) + method.substring(1).toLowerCase();
    long timeoutMs = Math.max(1, timeout().toMillis());
    HttpClientRequest[] inFlight = new HttpClientRequest[1];
    long deadline = vertx.setTimer(timeoutMs, t -> {
      boolean first = done.tryComplete(new String[] {Catalog.CRITICAL, op + " \"" + url
          + "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"});
      if (first && inFlight[0] != null) {
        inFlight[0].reset(); // like Go cancelling the request: free the connection
      }
    });
    RequestOptions options;
    try {
      options = new RequestOptions().setMethod(HttpMethod.valueOf(method)).setAbsoluteURI(url)
          .setFollowRedirects(true).setConnectTimeout(timeoutMs);
    } catch (RuntimeException e) {
      vertx.cancelTimer(deadline);
      return Future.succeededFuture(new String[] {Catalog.CRITICAL, "parse \"" + url + "\": " + e.getMessage()});
    }
    for (Map.Entry<String, List<String>> h : def.header().entrySet()) {
      options.putHeader(h.getKey(), List.<CharSequence>copyOf(h.getValue()));
    }
    if (def.header().keySet().stream().noneMatch(k -> k.equalsIgnoreCase("User-Agent"))) {
      options.putHeader("User-Agent", USER_AGENT);
    }
    if (def.header().keySet().stream().noneMatch(k -> k.equalsIgnoreCase("Accept"))) {
      options.putHeader("Accept", "text/plain, text/*, */*");
    }
    http.request(options)
        .compose(req -> {
          inFlight[0] = req;
          return req.send().compose(resp -> resp.body().map(body -> classify(method, url, resp, body)));
        })
        .onComplete(ar -> {
          vertx.cancelTimer(deadline);
          done.tryComplete(ar.succeeded() ? ar.result()
              : new String[] {Catalog.CRITICAL, op + " \"" + url + "\": " + goError(url, ar.cause())});
        });
    return done.future();
  }

  private static String[] classify(String method, String url, HttpClientResponse resp, Buffer body) {
    String text = body.toString();
    if (text.length() > OUTPUT_MAX) {
      text = text.substring(text.length() - OUTPUT_MAX); // a ring buffer keeps the tail
    }
    String statusLine = resp.statusCode() + " " + resp.statusMessage();
    String output = "HTTP " + method + " " + url + ": " + statusLine + " Output: " + text;
    int code = resp.statusCode();
    String status = code >= 200 && code <= 299 ? Catalog.PASSING
        : code == 429 ? Catalog.WARNING : Catalog.CRITICAL;
    return new String[] {status, output};
  }

  private Future<String[]> tcpCheck() {
    String target = def.tcp();
    int colon = target.lastIndexOf(':');
    if (colon < 0) {
      return Future.succeededFuture(new String[] {Catalog.CRITICAL,
          "dial tcp " + target + ": address " + target + ": missing port in address"});
    }
    String host = target.substring(0, colon).replace("[", "").replace("]", "");
    int port = Integer.parseInt(target.substring(colon + 1));
    Promise<String[]> done = Promise.promise();
    long deadline = vertx.setTimer(Math.max(1, timeout().toMillis()), t -> done.tryComplete(
        new String[] {Catalog.CRITICAL, "dial tcp " + target + ": i/o timeout"}));
    tcp.connect(port, host).onComplete(ar -> {
      vertx.cancelTimer(deadline);
      if (ar.succeeded()) {
        ar.result().close();
        done.tryComplete(new String[] {Catalog.PASSING, "TCP connect " + target + ": Success"});
      } else {
        done.tryComplete(new String[] {Catalog.CRITICAL,
            "dial tcp " + target + ": " + goError(target, ar.cause()).replaceFirst("^dial tcp [^ ]+: ", "")});
      }
    });
    return done.future();
  }

  /** Roughly Go's net/http error text, e.g. "dial tcp 127.0.0.1:1: connect: connection refused". */
  private static String goError(String url, Throwable cause) {
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String address = address(url);
    if (root instanceof ConnectException || String.valueOf(root.getMessage()).contains("Connection refused")) {
      return "dial tcp " + address + ": connect: connection refused";
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    if (message.toLowerCase().contains("closed")) {
      return "EOF";
    }
    return message;
  }

  private static String address(String url) {
    try {
      URI uri = URI.create(url);
      if (uri.getHost() == null) {
        return url;
      }
      int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
      return uri.getHost() + ":" + port;
    } catch (IllegalArgumentException e) {
      return url;
    }
  }
}
