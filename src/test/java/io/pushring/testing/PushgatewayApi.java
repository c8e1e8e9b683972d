package io.pushring.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** What a Pushgateway holds, read from its own JSON API, with basic auth when it requires it. */
public final class PushgatewayApi {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Set<String> NOT_FAMILIES = Set.of("labels", "last_push_successful",
      "push_time_seconds", "push_failure_time_seconds");

  private PushgatewayApi() {}

  /** The metric family names of the group with exactly these grouping labels, or empty if there is no such group. */
  public static Optional<Set<String>> metricNames(String baseUrl, PushClient.Auth auth, Map<String, String> labels) {
    JsonArray data = new JsonObject(get(baseUrl + "/api/v1/metrics", auth)).getJsonArray("data");
    for (int i = 0; i < data.size(); i++) {
      JsonObject group = data.getJsonObject(i);
      if (!group.getJsonObject("labels").getMap().equals(labels)) continue;
      Set<String> names = new TreeSet<>(group.fieldNames());
      names.removeAll(NOT_FAMILIES);
      return Optional.of(names);
    }
    return Optional.empty();
  }

  /** One sample value of a family in a group, as the Pushgateway reports it (a string). */
  public static Optional<String> value(String baseUrl, PushClient.Auth auth, Map<String, String> labels, String family) {
    JsonArray data = new JsonObject(get(baseUrl + "/api/v1/metrics", auth)).getJsonArray("data");
    for (int i = 0; i < data.size(); i++) {
      JsonObject group = data.getJsonObject(i);
      if (!group.getJsonObject("labels").getMap().equals(labels) || !group.containsKey(family)) continue;
      return Optional.of(group.getJsonObject(family).getJsonArray("metrics").getJsonObject(0).getString("value"));
    }
    return Optional.empty();
  }

  /** PUT a text-format body straight to a Pushgateway (not through pushring); returns the status. */
  public static int put(String baseUrl, PushClient.Auth auth, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .PUT(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10));
    if (auth != null) b.header("Authorization", basic(auth));
    return send(b.build()).statusCode();
  }

  public static String basic(PushClient.Auth auth) {
    return "Basic " + Base64.getEncoder().encodeToString((auth.user() + ":" + auth.password()).getBytes(StandardCharsets.UTF_8));
  }

  private static String get(String url, PushClient.Auth auth) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (auth != null) b.header("Authorization", basic(auth));
    HttpResponse<String> r = send(b.build());
    if (r.statusCode() != 200) throw new IllegalStateException("GET " + url + ": " + r.statusCode() + " " + r.body());
    return r.body();
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(request.method() + " " + request.uri() + ": " + e, e);
    }
  }
}
