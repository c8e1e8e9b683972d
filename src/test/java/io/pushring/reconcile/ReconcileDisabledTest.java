package io.pushring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The default: no reconciler runs, and the API says so. */
class ReconcileDisabledTest {
  @Test
  void byDefaultNoReconcilerRunsAndTheApiSaysSo() throws Exception {
    Vertx vertx = PushringApp.newVertx();
    try {
      PushringApp app = PushringApp.deploy(vertx, TestConfig.staticMembers("127.0.0.1:1")).await();
      assertThat(app.config().reconcile().enabled()).isFalse();
      assertThat(app.reconciler()).isNull();
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + app.port() + "/api/v1/reconcile")).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject().put("status", "success")
          .put("data", new JsonObject().put("enabled", false)));
    } finally {
      vertx.close().await();
    }
  }
}
