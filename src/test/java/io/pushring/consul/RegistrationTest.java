package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistrationTest {

  @Test
  void serversBecomeConsulRegistrationsWithDynamicShardingIds() {
    var config = ConfigLoader.load(Map.of(), Map.of(
        "PUSHRING_PUSHGATEWAYS_SERVERS", "pgw1,10.0.0.2:9092,[fe80::1],[fe80::2]:9093",
        "PUSHRING_PUSHGATEWAYS_CHECK_INTERVAL", "3s",
        "PUSHRING_PUSHGATEWAYS_CHECK_TIMEOUT", "1500ms",
        "PUSHRING_PUSHGATEWAYS_CHECK_DEREGISTER_AFTER", "2m",
        "PUSHRING_CONSUL_SERVICE", "pgw"));
    List<Registration> rs = Registration.from(config);
    assertThat(rs).extracting(Registration::id)
        .containsExactly("pgw1_9091", "10.0.0.2_9092", "fe80::1_9091", "fe80::2_9093");
    assertThat(rs).extracting(Registration::checkUrl).containsExactly(
        "http://pgw1:9091/-/healthy", "http://10.0.0.2:9092/-/healthy",
        "http://[fe80::1]:9091/-/healthy", "http://[fe80::2]:9093/-/healthy");

    JsonObject json = rs.get(1).toConsulJson();
    assertThat(json.getString("ID")).isEqualTo("10.0.0.2_9092");
    assertThat(json.getString("Name")).isEqualTo("pgw");
    assertThat(json.getString("Address")).isEqualTo("10.0.0.2");
    assertThat(json.getInteger("Port")).isEqualTo(9092);
    JsonObject check = json.getJsonObject("Check");
    assertThat(check.getString("HTTP")).isEqualTo("http://10.0.0.2:9092/-/healthy");
    assertThat(check.getString("Interval")).isEqualTo("3s");
    assertThat(check.getString("Timeout")).isEqualTo("1s500ms");   // Durations.format: the one Go-duration spelling
    assertThat(check.getString("DeregisterCriticalServiceAfter")).isEqualTo("2m");
  }

  @Test
  void httpsChecksSkipVerificationOnlyWhenAsked() {
    var verified = Registration.from(ConfigLoader.load(Map.of(), Map.of(
        "PUSHRING_PUSHGATEWAYS_SERVERS", "pg.internal:9091", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_CA_FILE", "/etc/pki/ca.pem"))).get(0).toConsulJson().getJsonObject("Check");
    assertThat(verified.getString("HTTP")).isEqualTo("https://pg.internal:9091/-/healthy");
    assertThat(verified.containsKey("TLSSkipVerify")).isFalse();

    var skipped = Registration.from(ConfigLoader.load(Map.of(), Map.of(
        "PUSHRING_PUSHGATEWAYS_SERVERS", "pg.internal:9091", "PUSHRING_PUSHGATEWAYS_SCHEME", "https",
        "PUSHRING_PUSHGATEWAYS_TLS_INSECURE_SKIP_VERIFY", "true"))).get(0).toConsulJson().getJsonObject("Check");
    assertThat(skipped.getString("HTTP")).isEqualTo("https://pg.internal:9091/-/healthy");
    assertThat(skipped.getBoolean("TLSSkipVerify")).isTrue();
  }
}
