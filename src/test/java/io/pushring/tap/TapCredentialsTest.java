package io.pushring.tap;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.pushring.PushringApp;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.RawHttp;
import io.pushring.testing.TestConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * The tap, the logs, the APIs and the status page never show a credential a client sent: pushes with
 * basic auth, a bearer token, Proxy-Authorization and a URL with userinfo, through a real Pushgateway,
 * in each router mode (redirected and proxied), with the access log on every request; the tap stream,
 * every log line and the operators' answers are searched for the secrets, raw and base64-encoded, and
 * for pushring's own: the fleet's bearer token and a Consul ACL token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TapCredentialsTest {
  private static final String BASIC_SECRET = "basic-s3cr3t-7f1c";
  private static final String BEARER_SECRET = "bearer-t0ken-91ad";
  private static final String PROXY_SECRET = "proxy-s3cr3t-55e0";
  private static final String URL_SECRET = "url-s3cr3t-c2b4";
  /** pushring's own: the fleet credential it sends the Pushgateways, and a Consul ACL token (unused in static mode). */
  private static final String FLEET_SECRET = "fleet-t0ken-3e8a";
  private static final String CONSUL_SECRET = "consul-t0ken-b7d2";

  private PushgatewayProcess pushgateway;
  private Path fleetToken;

  @BeforeAll
  void startPushgateway() throws IOException {
    pushgateway = PushgatewayProcess.start();
    fleetToken = Files.createTempFile("pushring-fleet-token-", "");
    Files.writeString(fleetToken, FLEET_SECRET + "\n");
  }

  @AfterAll
  void stopPushgateway() {
    if (pushgateway != null) pushgateway.close();
    if (fleetToken != null) fleetToken.toFile().delete();
  }

  @ParameterizedTest(name = "router.mode={0}, http.admin={1}")
  @CsvSource({"redirect,''", "proxy,''", "auto,''", "auto,127.0.0.1:0"})
  void noCredentialReachesTheTapTheLogsOrTheOperatorsAnswers(String mode, String admin) {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logged);
    Vertx vertx = PushringApp.newVertx();
    try {
      PushringApp app = PushringApp.deploy(vertx, TestConfig.staticMembers(pushgateway.host() + ":" + pushgateway.port(),
          "PUSHRING_ROUTER_MODE", mode, "PUSHRING_HTTP_ADMIN", admin, "PUSHRING_ACCESS_LOG_EVERY", "1",
          "PUSHRING_PUSHGATEWAYS_BEARER_TOKEN_FILE", fleetToken.toString(), "PUSHRING_CONSUL_TOKEN", CONSUL_SECRET)).await();
      int operators = admin.isEmpty() ? app.port() : app.adminPort();
      RawHttp http = new RawHttp(vertx);
      List<String> seen = new ArrayList<>();
      try (SseClient tap = SseClient.open(vertx, operators, "")) {
        String job = "/metrics/job/creds-" + mode;
        int pushes = 0;
        for (String ua : List.of("curl/8.5.0", "Go-http-client/1.1")) {
          push(http, app.port(), job + "/instance/basic", ua, "Authorization", basic("pusher", BASIC_SECRET));
          push(http, app.port(), job + "/instance/bearer", ua, "Authorization", "Bearer " + BEARER_SECRET);
          push(http, app.port(), job + "/instance/proxy-auth", ua, "Proxy-Authorization", basic("p", PROXY_SECRET));
          // Rejected (an odd label count): the refusal's reason is in the tap and the access log.
          push(http, app.port(), job + "/instance", ua, "Authorization", "Bearer " + BEARER_SECRET);
          pushes += 4;
        }
        // An absolute-form target with userinfo, as a proxy-minded client may send it.
        RawHttp.Response absolute = http.exchange(app.port(),
            "PUT http://pusher:" + URL_SECRET + "@127.0.0.1:" + app.port() + job + "/instance/userinfo HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + app.port() + "\r\nContent-Length: 4\r\nConnection: close\r\n\r\n",
            "m 1\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(absolute.status()).isLessThan(500);
        pushes++;

        List<JsonObject> events = tap.take(pushes, Duration.ofSeconds(10));
        assertThat(events).as("one tap event per push").hasSize(pushes);
        assertThat(events).anySatisfy(e -> assertThat(e.getString("path")).endsWith("/instance/userinfo"));
        assertThat(events).anySatisfy(e -> assertThat(e.getString("decision")).isEqualTo("reject"));
        events.forEach(e -> seen.add("tap: " + e.encode()));
      }
      MultiMap auth = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + BEARER_SECRET)
          .add("Proxy-Authorization", basic("p", PROXY_SECRET));
      for (String path : List.of("/api/v1/ring", "/api/v1/stats", "/api/v1/reconcile", "/metrics", "/sd/pushgateways",
          "/api/v1/route?path=/metrics/job/x", "/")) {
        RawHttp.Response r = http.send(HttpMethod.GET, "127.0.0.1", operators, path, null, auth);
        assertThat(r.status()).as(path).isEqualTo(200);
        seen.add(path + ": " + r.headers() + " " + r.body());
      }
      RawHttp.Response page = http.send(HttpMethod.GET, "127.0.0.1", operators, "/", null,
          MultiMap.caseInsensitiveMultiMap().addAll(auth).add("Accept", "text/html"));
      seen.add("status page: " + page.body());
      for (ILoggingEvent e : logged.list) {
        seen.add("log: " + e.getFormattedMessage());
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) seen.add("log: " + t.getMessage());
      }
      assertThat(logged.list).as("the access log ran").anySatisfy(e -> assertThat(e.getLoggerName()).isEqualTo("pushring.access"));

      for (String secret : List.of(BASIC_SECRET, BEARER_SECRET, PROXY_SECRET, URL_SECRET, FLEET_SECRET, CONSUL_SECRET,
          encoded("pusher", BASIC_SECRET), encoded("p", PROXY_SECRET), "pusher:")) {
        assertThat(seen).as("nothing shows %s", secret).noneMatch(s -> s.contains(secret));
      }
    } finally {
      root.detachAppender(logged);
      vertx.close().await();
    }
  }

  private static void push(RawHttp http, int port, String path, String userAgent, String header, String value) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("User-Agent", userAgent).add(header, value);
    RawHttp.Response r = http.send(HttpMethod.PUT, "127.0.0.1", port, path, "m 1\n", headers);
    assertThat(r.status()).as("PUT %s", path).isIn(200, 307, 400);
  }

  private static String basic(String user, String password) {
    return "Basic " + encoded(user, password);
  }

  private static String encoded(String user, String password) {
    return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
