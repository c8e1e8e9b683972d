package io.pushring.bus;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * What the reconciler last did, for {@code GET /api/v1/reconcile}: a JSON document kept in the
 * LocalMap {@value #MAP} under {@value #KEY}, replaced after each pass. Absent when the reconciler
 * does not run. (JsonObject is Shareable: each reader gets its own copy, fine for a debug endpoint.)
 */
public final class ReconcileStatus {
  public static final String MAP = "pushring.reconcile";
  public static final String KEY = "status";

  private ReconcileStatus() {}

  public static void publish(Vertx vertx, JsonObject status) {
    vertx.sharedData().<String, JsonObject>getLocalMap(MAP).put(KEY, status);
  }

  /** The last status, or null when no reconciler has published one. */
  public static JsonObject current(Vertx vertx) {
    return vertx.sharedData().<String, JsonObject>getLocalMap(MAP).get(KEY);
  }
}
