package io.pushring.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.pushring.testing.PushgatewayProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A group read back from a real Pushgateway's API maps to the same key, and so the same owner, as
 * the push path it was pushed through, for every spelling a client may use. Each path is pushed
 * alone to an empty Pushgateway; the one group the API then lists is mapped with
 * {@link GroupingKeyParser#fromLabels} and compared with {@link GroupingKeyParser#parse} of the path
 * (the router's code) and with the router's owner on a 7-member ring.
 */
class GroupOwnerMappingTest {
  private static PushgatewayProcess pg;
  private static Member member;
  private static final PushgatewayClient CLIENT = new PushgatewayClient("http", Duration.ofSeconds(10));
  private static final Ring RING = Ring.build(Placement.GROUPING_KEY,
      IntStream.range(0, 7).mapToObj(i -> Member.ofAddress("10.0.0." + i, 9091)).toList(), 1);

  /** Raw paths, one char per byte; groups of spellings of one group are listed together. */
  static final List<String> PATHS = List.of(
      "/metrics/job/a",
      "/metrics/job@base64/YQ",
      "/metrics/job@base64/YQ==",
      "/metrics/job/%61",
      "/metrics/job/a/instance/x/region/eu",
      "/metrics/job/a/region/eu/instance/x",
      "/metrics/job/a/instance@base64/eA/region@base64/ZXU=",
      "/metrics/job%2Fa%2Finstance%2Fx/region/eu", // %2F is a separator for the Pushgateway
      "/metrics/job/a/job/zzz/instance/x/region/eu", // the URL job wins
      "/metrics/job/a/instance/y/region/eu/instance/x", // the last duplicate wins
      "/metrics/job/b/path@base64/eC95", // '/' in a value
      "/metrics/job/c/empty@base64/=", // empty values
      "/metrics/job/c/empty@base64/",
      "/metrics/job/c/empty/",
      "/metrics/job/c/empty@base64/=/other@base64/=",
      "/metrics/job/d/v/a+b", // '+' stays '+'
      "/metrics/job/d/v/a%2Bb",
      "/metrics/job/d/v/a%20b",
      "/metrics/job/e/v/%E2%9C%93", // UTF-8, percent-encoded and base64
      "/metrics/job/e/v@base64/4pyT",
      "/metrics/job/f/q@base64/ImFcYiIKYw", // quote, backslash, newline
      "/metrics/job/g/v/x@base64", // '@base64' inside a value, not a suffix
      "/metrics/job/%E2%9C%93/instance/%25",
      "/metrics/job@base64/4pyTIC8gKw/_/%7E");

  @BeforeAll
  static void start() {
    pg = PushgatewayProcess.start();
    member = Member.ofAddress(pg.host(), pg.port());
  }

  @AfterAll
  static void stop() {
    if (pg != null) pg.close();
  }

  @Test
  void everySpellingMapsToTheRoutersKeyAndOwner() throws IOException {
    List<String> checked = new ArrayList<>();
    for (String path : PATHS) {
      pg.deleteAllGroups();
      PushgatewayProcess.Response r = pg.put(path, "m 1\n");
      assertThat(r.status()).as("PUT " + path + ": " + r.bodyText()).isEqualTo(200);
      MemberGroups read = CLIENT.groups(member);
      assertThat(read.groups()).as(path).hasSize(1);
      GroupingKey fromApi = read.groups().get(0).key();
      GroupingKey fromPath = GroupingKeyParser.parse(path);
      assertThat(fromApi).as(path).isEqualTo(fromPath);
      assertThat(RING.route(fromApi)).as(path).isEqualTo(RING.route(fromPath));

      // And the path the reconciler uses names the same group on the Pushgateway.
      pg.deleteAllGroups();
      assertThat(pg.put(fromApi.base64Path(), "m 1\n").status()).isEqualTo(200);
      assertThat(CLIENT.groups(member).groups()).extracting(GroupSnapshot::key).containsExactly(fromPath);
      checked.add(path);
    }
    assertThat(checked).hasSize(PATHS.size());
    // Sanity: the list really holds distinct groups, not one key over and over.
    assertThat(PATHS.stream().map(GroupingKeyParser::parse).distinct().count()).isEqualTo(12);
  }
}
