package io.pushring.reshard;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records pushring's tap ({@code GET /api/v1/tap}) while a scenario runs: every reconcile action
 * (delete, delete-owner, migrate, with key, from, to, push times and result) and every routing
 * decision of a DELETE or with a handover note, so that a group found missing can be followed
 * through every step that touched it.
 */
final class TapRecorder implements AutoCloseable {
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final Thread reader;
  private volatile InputStream stream;

  TapRecorder(int port) {
    reader = new Thread(() -> {
      try {
        HttpResponse<InputStream> r = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/tap")).GET().build(),
            HttpResponse.BodyHandlers.ofInputStream());
        stream = r.body();
        BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
          if (!line.startsWith("data:")) continue;
          String json = line.substring(5).strip();
          boolean reconcile = json.contains("\"type\":\"reconcile\"");
          if (!reconcile && !json.contains("handover") && !json.contains("DELETE")) continue;
          JsonObject e = new JsonObject(json);
          if (reconcile && "pass".equals(e.getString("action")) && "done".equals(e.getString("result"))
              && e.getInteger("deleted", 0) == 0 && e.getInteger("migrated", 0) == 0) continue;
          events.add(e);
        }
      } catch (Exception e) {
        // closed
      }
    }, "tap-recorder");
    reader.setDaemon(true);
    reader.start();
  }

  /** Every recorded event about {@code printableKey}, and the pass summaries, in order. */
  List<JsonObject> history(String printableKey) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject e : events) {
      if (printableKey.equals(e.getString("key")) || e.encode().contains(printableKey)) out.add(e);
    }
    return out;
  }

  List<JsonObject> all() {
    return List.copyOf(events);
  }

  @Override
  public void close() {
    try {
      if (stream != null) stream.close();
    } catch (Exception e) {
      // closing
    }
    reader.interrupt();
  }
}
