package io.pushring.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
  @ParameterizedTest
  @CsvSource({
      "500ms, 500", "5s, 5000", "1m, 60000", "1h, 3600000", "1m30s, 90000", "0s, 0",
      "1h2m3s4ms, 3723004", "90s, 90000", "' 2s ', 2000", "0ms, 0", "1m500ms, 60500"})
  void parsesGoStyle(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "5 s", "5S", "1.5s", "30s1m", "1m1m", "s", "ms", "5sec", "1d", "1us", "abc", "PT5S"})
  void rejectsGarbage(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected a duration like 500ms, 5s, 1m or 1m30s, got \"" + text + "\"");
  }

  @Test
  void rejectsNegativesAndOverflow() {
    assertThatThrownBy(() -> Durations.parse("-5s")).hasMessage("must not be negative, got \"-5s\"");
    assertThatThrownBy(() -> Durations.parse("99999999999999999999h"))
        .hasMessage("duration too large, got \"99999999999999999999h\"");
  }

  @ParameterizedTest
  @CsvSource({"0, 0s", "500, 500ms", "5000, 5s", "60000, 1m", "90000, 1m30s", "3600000, 1h", "3723004, 1h2m3s4ms",
      "3600500, 1h500ms"})
  void formatsShortestAndRoundTrips(long millis, String text) {
    assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }
}
