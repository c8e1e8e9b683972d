package io.pushring.consul;

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
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server ({@code /usr/bin/prometheus}, Debian's, or the binary named by env
 * {@value #ENV}) on a free loopback port, with its own TSDB directory and log under {@code dir}.
 * Stopped by PID (SIGTERM, then SIGKILL).
 */
public final class PrometheusProcess implements AutoCloseable {
  public static final String ENV = "PUSHRING_TEST_PROMETHEUS";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private PrometheusProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  public static Path binary() {
    String env = System.getenv(ENV);
    return Path.of(env != null && !env.isBlank() ? env.trim() : "/usr/bin/prometheus");
  }

  /**
   * Starts Prometheus on {@code config} and waits until {@code /-/ready}. If it exits first, throws
   * {@link Exited} carrying its output (e.g. a configuration it does not accept).
   */
  public static PrometheusProcess start(Path config, Path dir) {
    int port = FreePorts.find();
    Path log = dir.resolve("prometheus.log");
    Process process;
    try {
      Files.createDirectories(dir);
      process = new ProcessBuilder(binary().toString(), "--config.file=" + config,
          "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
          "--log.level=info")
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary(), e);
    }
    PrometheusProcess p = new PrometheusProcess(process, port, log);
    // an exception while polling means not listening yet
    boolean ready = Await.holdsWithin(START_TIMEOUT, Duration.ofMillis(100),
        () -> !process.isAlive() || p.get("/-/ready").statusCode() == 200);
    if (!process.isAlive()) throw new Exited(p.output());
    if (ready) return p;
    p.close();
    throw new IllegalStateException("Prometheus not ready after " + START_TIMEOUT + ":\n" + p.output());
  }

  /** Prometheus exited during start-up; the message is its output. */
  public static final class Exited extends RuntimeException {
    Exited(String output) {
      super(output);
    }
  }

  public long pid() {
    return process.pid();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** {@code GET /api/v1/targets}'s {@code data}. */
  public JsonObject targets() {
    return api("/api/v1/targets");
  }

  /** An instant query's {@code data}. */
  public JsonObject query(String promql) {
    return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
  }

  /** {@code GET /api/v1/series}: every series matching {@code match} between the two times (epoch seconds), from the TSDB. */
  public JsonArray series(String match, long startSeconds, long endSeconds) {
    HttpResponse<String> r = get("/api/v1/series?match[]=" + URLEncoder.encode(match, StandardCharsets.UTF_8)
        + "&start=" + startSeconds + "&end=" + endSeconds);
    if (r.statusCode() != 200) throw new IllegalStateException("series " + match + ": " + r.statusCode() + " " + r.body());
    return new JsonObject(r.body()).getJsonArray("data");
  }

  private JsonObject api(String pathAndQuery) {
    HttpResponse<String> r = get(pathAndQuery);
    if (r.statusCode() != 200) throw new IllegalStateException(pathAndQuery + ": " + r.statusCode() + " " + r.body());
    return new JsonObject(r.body()).getJsonObject("data");
  }

  private HttpResponse<String> get(String pathAndQuery) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + pathAndQuery)).timeout(Duration.ofSeconds(10))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String output() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** SIGTERM by PID, SIGKILL after 10 s. */
  @Override
  public void close() {
    ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** The scrape job {@code name} of a parsed Prometheus configuration (the shipped {@code conf/prometheus.yml}). */
  @SuppressWarnings("unchecked")
  public static java.util.Map<String, Object> scrapeJob(java.util.Map<String, Object> config, String name) {
    for (Object each : (java.util.List<Object>) config.get("scrape_configs")) {
      java.util.Map<String, Object> job = (java.util.Map<String, Object>) each;
      if (name.equals(job.get("job_name"))) return job;
    }
    throw new AssertionError("conf/prometheus.yml has no job " + name);
  }
}
