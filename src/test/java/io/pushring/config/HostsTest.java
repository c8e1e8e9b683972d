package io.pushring.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostsTest {
  @ParameterizedTest
  @CsvSource({
      "localhost, true", "0.0.0.0, true", "pgw-1.example.com, true", "pgw_1, true", "::, true", "::1, true",
      "fe80::1:2, true", "':', false", "'', false", "-pgw, false", "pgw., false", "a b, false", "host/x, false",
      "[::1], false"})
  void hosts(String s, boolean ok) {
    assertThat(Hosts.isHost(s)).isEqualTo(ok);
  }

  @ParameterizedTest
  @CsvSource({
      "pgw:9091, true, true", "pgw:9091, false, true", "pgw, true, true", "pgw, false, false",
      "[::1]:9091, false, true", "[::1], true, true", "[::1], false, false", "::1:9091, true, false",
      "pgw:0, true, false", "pgw:65535, false, true", "pgw:65536, false, false", "pgw:+1, false, false",
      "pgw:, true, false", ":9091, false, false", "[::1]x, true, false", "[pgw]:1, false, false",
      "http://pgw:1, false, false", "'', true, false"})
  void hostPorts(String s, boolean portOptional, boolean ok) {
    assertThat(Hosts.isHostPort(s, portOptional)).isEqualTo(ok);
  }
}
