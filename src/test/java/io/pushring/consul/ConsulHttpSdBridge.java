package io.pushring.consul;

import com.sun.net.httpserver.HttpServer;
import io.pushring.testing.Await;
import io.pushring.testing.consul.ConsulFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * TEST-ONLY stand-in for Prometheus's Consul SD, for a Prometheus built without it (Debian's are):
 * serves Prometheus HTTP SD ({@code http_sd_configs}) from Consul's {@code /v1/health/service/<name>}
 * the way {@code discovery/consul} reads it: EVERY registered instance whatever its health (no
 * {@code passing}), address = service address else node address, and the {@code __meta_consul_*}
 * labels the scrape job's relabeling uses. It lets a real Prometheus run the scrape job of
 * {@code conf/prometheus.yml} (honor_labels, relabeling) against the real Pushgateways; what it
 * cannot show is Prometheus's own Consul client at work.
 */
public final class ConsulHttpSdBridge implements AutoCloseable {
  private final HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String consulBase;
  private final String service;

  public ConsulHttpSdBridge(String consulHostPort, String service) {
    this.consulBase = "http://" + consulHostPort;
    this.service = service;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/sd", exchange -> {
      byte[] body;
      int status = 200;
      try {
        body = targetGroups().encode().getBytes(StandardCharsets.UTF_8);
      } catch (RuntimeException e) {
        status = 503; // Prometheus keeps its last targets on an error
        body = String.valueOf(e).getBytes(StandardCharsets.UTF_8);
      }
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/sd";
  }

  private JsonArray targetGroups() {
    JsonArray groups = new JsonArray();
    for (Object each : new JsonArray(get("/v1/health/service/" + service))) {
      JsonObject entry = (JsonObject) each;
      JsonObject svc = entry.getJsonObject("Service");
      JsonObject node = entry.getJsonObject("Node");
      String address = svc.getString("Address", "");
      if (address.isEmpty()) address = node.getString("Address");
      String health = "passing";
      for (Object c : entry.getJsonArray("Checks")) {
        String s = ((JsonObject) c).getString("Status");
        if ("critical".equals(s)) health = "critical";
        else if ("warning".equals(s) && !"critical".equals(health)) health = "warning";
      }
      groups.add(new JsonObject()
          .put("targets", new JsonArray().add(address + ":" + svc.getInteger("Port")))
          .put("labels", new JsonObject()
              .put("__meta_consul_service", svc.getString("Service"))
              .put("__meta_consul_service_id", svc.getString("ID"))
              .put("__meta_consul_service_address", svc.getString("Address", ""))
              .put("__meta_consul_service_port", String.valueOf(svc.getInteger("Port")))
              .put("__meta_consul_node", node.getString("Node"))
              .put("__meta_consul_address", node.getString("Address"))
              .put("__meta_consul_health", health)));
    }
    return groups;
  }

  private String get(String path) {
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(consulBase + path)).timeout(Duration.ofSeconds(10));
      String token = System.getenv(ConsulFixture.TOKEN_ENV);
      if (token != null && !token.isBlank()) request.header("X-Consul-Token", token.trim());
      HttpResponse<String> r = http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
