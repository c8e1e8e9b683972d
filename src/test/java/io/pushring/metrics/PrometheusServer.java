package io.pushring.metrics;

import io.pushring.testing.Await;
import io.pushring.testing.FreePorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real Prometheus (Debian's {@code /usr/bin/prometheus}) scraping one target every second, for
 * tests that must prove {@code /metrics} is valid exposition text: Prometheus refuses a malformed
 * scrape ({@code up} = 0) and ingests nothing from it.
 */
final class PrometheusServer implements AutoCloseable {
  static final String BINARY = System.getProperty("pushring.prometheus.bin", "/usr/bin/prometheus");

  private final Process process;
  private final Path dir;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private PrometheusServer(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  /** Starts Prometheus scraping {@code http://target/metrics} as job {@code pushring}; waits until ready. */
  static PrometheusServer scraping(String target) throws IOException {
    if (!Files.isExecutable(Path.of(BINARY))) {
      throw new IllegalStateException(BINARY + " is missing: `make test` installs Debian's prometheus package");
    }
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      Path dir = Files.createTempDirectory("pushring-prometheus-");
      Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
          "global: {scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s}",
          "scrape_configs:",
          "  - job_name: pushring",
          "    static_configs: [{targets: ['" + target + "']}]", ""));
      int port = FreePorts.find();
      Process p = new ProcessBuilder(BINARY, "--config.file=" + dir.resolve("prometheus.yml"),
          "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
          .redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
      PrometheusServer server = new PrometheusServer(p, dir, port);
      try {
        server.awaitReady();
        return server;
      } catch (IllegalStateException e) {
        server.close();
        last = e;
      }
    }
    throw last;
  }

  private void awaitReady() {
    // an exception while polling means not listening yet
    boolean ready = Await.holdsWithin(Duration.ofSeconds(30), Duration.ofMillis(100),
        () -> !process.isAlive() || getUnchecked("/-/ready").statusCode() == 200);
    if (!process.isAlive()) throw new IllegalStateException("prometheus exited: " + output());
    if (ready) return;
    throw new IllegalStateException("prometheus not ready: " + output());
  }

  /** The instant-vector result of {@code promql}: a list of {metric, value}. */
  JsonArray query(String promql) {
    try {
      HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
      JsonObject body = new JsonObject(r.body());
      if (!"success".equals(body.getString("status"))) throw new IllegalStateException(promql + ": " + r.body());
      return body.getJsonObject("data").getJsonArray("result");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The single value of {@code promql}, or NaN when the result is empty. */
  double value(String promql) {
    JsonArray result = query(promql);
    if (result.isEmpty()) return Double.NaN;
    if (result.size() > 1) throw new IllegalStateException(promql + " has " + result.size() + " series: " + result);
    return Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1));
  }

  /** Polls {@code promql} until it equals {@code expected}; returns the last value seen. */
  double awaitValue(String promql, double expected, Duration timeout) {
    double[] last = {Double.NaN};
    Await.holdsWithin(timeout, Duration.ofMillis(200), () -> (last[0] = value(promql)) == expected);
    return last[0];
  }

  /** The last scrape's problem as Prometheus reports it for the target ("" when healthy). */
  String lastError() {
    try {
      JsonObject body = new JsonObject(get("/api/v1/targets").body());
      JsonArray active = body.getJsonObject("data").getJsonArray("activeTargets");
      return active.isEmpty() ? "no target" : active.getJsonObject(0).getString("lastError", "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String output() {
    try {
      return Files.readString(dir.resolve("out.log"));
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  private HttpResponse<String> getUnchecked(String pathAndQuery) {
    try {
      return get(pathAndQuery);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpResponse<String> get(String pathAndQuery) throws IOException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
    } catch (IOException ignored) {
      // a temp directory left behind is harmless
    }
  }

  static List<String> labelsOf(JsonArray result) {
    return result.stream().map(o -> ((JsonObject) o).getJsonObject("metric").encode()).toList();
  }
}
