package io.pushring.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link GroupingKeyParser#fromLabels} and {@link GroupingKey#base64Path}: pure rules (the real-Pushgateway check is GroupOwnerMappingTest). */
class GroupingKeyLabelsTest {
  @Test
  void labelsGiveTheKeyOfEverySpellingOfTheirPath() {
    GroupingKey fromLabels = GroupingKeyParser.fromLabels(Map.of("job", "a", "instance", "x/y", "region", "eu"));
    for (String path : new String[] {
        "/metrics/job/a/instance@base64/eC95/region/eu",
        "/metrics/job/a/region/eu/instance@base64/eC95",
        "/metrics/job@base64/YQ==/region@base64/ZXU/instance@base64/eC95",
        "/metrics/job/%61/region/%65u/instance@base64/eC95",
        "/metrics/job/a/job/zzz/region/eu/instance@base64/eC95", // the URL job wins
        "/metrics/job/a/region/xx/region/eu/instance@base64/eC95", // the last duplicate wins
    }) {
      assertThat(GroupingKeyParser.parse(path)).as(path).isEqualTo(fromLabels);
    }
  }

  @Test
  void labelOrderOfTheMapDoesNotMatter() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("z", "1");
    a.put("job", "j");
    a.put("a", "2");
    assertThat(GroupingKeyParser.fromLabels(a)).isEqualTo(GroupingKeyParser.fromLabels(new TreeMap<>(a)));
    assertThat(GroupingKeyParser.fromLabels(a).printable()).isEqualTo("{a=\"2\",job=\"j\",z=\"1\"}");
  }

  @Test
  void emptyAndSpecialValuesSurvive() {
    Map<String, String> labels = Map.of("job", "j", "empty", "", "q", "a\"b\\c\nd", "u", "\u2713 é", "p", "50%/+ @base64");
    GroupingKey key = GroupingKeyParser.fromLabels(labels);
    Map<String, String> back = new TreeMap<>();
    key.labels().forEach((k, v) -> back.put(k, new String(v, StandardCharsets.UTF_8)));
    assertThat(back).isEqualTo(new TreeMap<>(labels));
  }

  @Test
  void base64PathParsesBackToTheSameKey() {
    for (String path : new String[] {"/metrics/job/a", "/metrics/job/a/instance/", "/metrics/job/b/x@base64/w6k_Pz4-",
        "/metrics/job/c/e@base64/=/i/%E2%9C%93/k/1/k/2", "/metrics/job/d+e/f/g%20h"}) {
      GroupingKey key = GroupingKeyParser.parse(path);
      String b64 = key.base64Path();
      assertThat(b64).startsWith("/metrics/job@base64/").matches("[A-Za-z0-9_/@=-]+");
      assertThat(GroupingKeyParser.parse(b64)).as(path + " -> " + b64).isEqualTo(key);
    }
    assertThat(GroupingKeyParser.parse("/metrics/job/j/b/2/a/").base64Path())
        .isEqualTo("/metrics/job@base64/ag/a@base64/=/b@base64/Mg");
  }

  @Test
  void labelsNoPushCouldHaveProducedAreRejected() {
    assertThatThrownBy(() -> GroupingKeyParser.fromLabels(Map.of("instance", "x")))
        .isInstanceOf(InvalidPushPathException.class).hasMessage("job name is required");
    assertThatThrownBy(() -> GroupingKeyParser.fromLabels(Map.of("job", "")))
        .hasMessage("job name is required");
    assertThatThrownBy(() -> GroupingKeyParser.fromLabels(Map.of("job", "j", "__x", "1")))
        .hasMessage("improper label name \"__x\"");
    // A name holding '/' or '@base64' must not re-split the path into other labels.
    assertThatThrownBy(() -> GroupingKeyParser.fromLabels(Map.of("job", "j", "a@base64/YQ/b", "1")))
        .hasMessageStartingWith("improper label name");
    assertThatThrownBy(() -> GroupingKeyParser.fromLabels(Map.of("job", "j", "a", "x\ud800y")))
        .hasMessage("label value for \"a\" is not valid Unicode");
  }
}
