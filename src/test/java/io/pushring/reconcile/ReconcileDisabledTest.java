package io.pushring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The default: no reconciler runs, the API says so, and every ring member may be scraped. */
class ReconcileDisabledTest {
  @Test
  void byDefaultNoReconcilerRunsAndTheApiSaysSo() throws Exception {
    Vertx vertx = PushringApp.newVertx();
    try {
      PushringApp app = PushringApp.deploy(vertx, TestConfig.staticMembers("127.0.0.1:1,127.0.0.1:2")).await();
      assertThat(app.config().reconcile().enabled()).isFalse();
      assertThat(app.reconciler()).isNull();
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + app.port() + "/api/v1/reconcile")).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject().put("status", "success")
          .put("data", new JsonObject().put("enabled", false)));
      // Nothing decides which Pushgateways may be scraped: Prometheus's HTTP SD lists every ring member.
      HttpResponse<String> sd = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + app.port() + "/sd/pushgateways")).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(sd.statusCode()).isEqualTo(200);
      assertThat(sd.headers().firstValue("content-type")).hasValue("application/json");
      assertThat(new JsonArray(sd.body())).isEqualTo(new JsonArray(
          "[{\"targets\":[\"127.0.0.1:1\"],\"labels\":{\"__meta_pushring_member_id\":\"127.0.0.1_1\"}},"
              + "{\"targets\":[\"127.0.0.1:2\"],\"labels\":{\"__meta_pushring_member_id\":\"127.0.0.1_2\"}}]"));
    } finally {
      vertx.close().await();
    }
  }

  /** A dry run changes nothing, so it hides nothing: every ring member is listed, and the API says what a real pass would admit. */
  @Test
  void aDryRunListsEveryMemberAndReportsWhatItWouldAdmit() throws Exception {
    Vertx vertx = PushringApp.newVertx();
    try {
      PushringApp app = PushringApp.deploy(vertx, TestConfig.staticMembers("127.0.0.1:1,127.0.0.1:2",
          "PUSHRING_RECONCILE_ENABLED", "true", "PUSHRING_RECONCILE_DRY_RUN", "true",
          "PUSHRING_RECONCILE_SETTLE", "0s")).await();
      io.pushring.testing.Await.until("a dry-run pass", java.time.Duration.ofSeconds(10), () -> app.reconciler().passes() > 0);
      HttpResponse<String> sd = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + app.port() + "/sd/pushgateways")).GET().build(), HttpResponse.BodyHandlers.ofString());
      JsonArray groups = new JsonArray(sd.body());
      assertThat(groups).hasSize(2);
      HttpResponse<String> api = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + app.port() + "/api/v1/reconcile")).GET().build(), HttpResponse.BodyHandlers.ofString());
      JsonObject admission = new JsonObject(api.body()).getJsonObject("data").getJsonObject("admission");
      assertThat(admission.getBoolean("dryRun")).isTrue();
      assertThat(admission.getJsonArray("admitted")).containsExactly("127.0.0.1_1", "127.0.0.1_2");
      // neither member could be read, so a real pass would have admitted neither
      assertThat(admission.getJsonArray("wouldAdmit")).isEmpty();
      assertThat(admission.getJsonArray("waiting")).containsExactly("127.0.0.1_1", "127.0.0.1_2");
      assertThat(io.pushring.bus.AdmittedSet.current(vertx).wouldAdmit()).isEmpty();
      assertThat(io.pushring.bus.AdmittedSet.current(vertx).dryRun()).isTrue();
    } finally {
      vertx.close().await();
    }
  }
}
