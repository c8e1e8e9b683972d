package io.pushring.key;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Location a client follows must name the group pushring placed (issue 9, rows 6 and 7). */
class RequestTargetsTest {
  private static final String BASE = "http://10.0.0.1:9091";

  @Test
  void aPathAndQueryAUriCanCarryStayExactlyAsReceived() {
    String path = "/metrics/job/a+b/k/x%2Fy%20z/l@base64/eC95/m/a=b:c*d;e,f!~'()$&@_-.";
    assertThat(RequestTargets.location(BASE, path, null)).isEqualTo(BASE + path);
    assertThat(RequestTargets.location(BASE, path, "x=%2F&y?z")).isEqualTo(BASE + path + "?x=%2F&y?z");
  }

  @Test
  void aRawHashIsEncodedSoTheClientDoesNotCutItOff() {
    assertThat(RequestTargets.location(BASE, "/metrics/job/x#frag", null)).isEqualTo(BASE + "/metrics/job/x%23frag");
    assertThat(RequestTargets.location(BASE, "/metrics/job/x", "a#b")).isEqualTo(BASE + "/metrics/job/x?a%23b");
  }

  @Test
  void bytesAUriCannotCarryAreEncodedAndControlBytesNeverReachTheHeader() {
    assertThat(RequestTargets.location(BASE, "/metrics/job/\u00c3\u00a9\"<>[\\]^`{|}", null))
        .isEqualTo(BASE + "/metrics/job/%C3%A9%22%3C%3E%5B%5C%5D%5E%60%7B%7C%7D");
    assertThat(RequestTargets.location(BASE, "/metrics/job/a", "%zz%4%\u0001 \u007f"))
        .isEqualTo(BASE + "/metrics/job/a?%25zz%254%25%01%20%7F");
    assertThat(RequestTargets.location(BASE, "/metrics/job/\u20ac", null)).isEqualTo(BASE + "/metrics/job/%E2%82%AC");
  }

  /**
   * For random paths the parser accepts, what a strict URI parser (java.net.URI, as Java clients use)
   * reads from the Location parses to the same grouping key and the same dynamic-sharding input.
   */
  @Test
  void followingTheLocationAlwaysPushesTheSameGroup() {
    Random random = new Random(7);
    String alphabet = "ab+~%#\"<>[]^`{|}\\=:@!$&'()*,;.-_\u00c3\u00a9\u00e2\u0082\u00ac";
    int checked = 0;
    for (int i = 0; i < 5_000; i++) {
      StringBuilder path = new StringBuilder("/metrics/job/").append(value(random, alphabet));
      for (int pairs = random.nextInt(3); pairs > 0; pairs--) path.append("/k").append(pairs).append('/').append(value(random, alphabet));
      String raw = path.toString();
      String rawQuery = random.nextBoolean() ? null : "q=" + alphabet.charAt(random.nextInt(alphabet.length())) + "%zz";
      GroupingKey key;
      try {
        key = GroupingKeyParser.parse(raw, rawQuery);
      } catch (InvalidPushPathException rejected) {
        continue;
      }
      URI followed = URI.create(RequestTargets.location(BASE, raw, rawQuery));
      assertThat(followed.getRawFragment()).as(raw).isNull();
      GroupingKey there = GroupingKeyParser.parse(followed.getRawPath());
      assertThat(there).as(raw).isEqualTo(key);
      assertThat(there.decodedPath()).as(raw).isEqualTo(key.decodedPath());
      checked++;
    }
    assertThat(checked).isGreaterThan(1_000);
  }

  private static String value(Random random, String alphabet) {
    StringBuilder v = new StringBuilder();
    for (int c = 1 + random.nextInt(6); c > 0; c--) {
      char ch = alphabet.charAt(random.nextInt(alphabet.length()));
      if (ch == '%') v.append(random.nextBoolean() ? "%2F" : "%41");
      else v.append(ch);
    }
    return v.toString();
  }
}
