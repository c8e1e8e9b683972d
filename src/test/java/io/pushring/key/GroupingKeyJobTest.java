package io.pushring.key;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link GroupingKey#job()} reads the job straight from the canonical bytes: same answer as {@code labels()}. */
class GroupingKeyJobTest {

  @Test
  void jobIsTheJobLabelWhateverTheLabelsAroundIt() {
    for (String path : new String[] {
        "/metrics/job/batch",
        "/metrics/job/batch/instance/a/zone/b",
        "/metrics/job/x/jo/1/jobs/2/aaa/3",          // names that start like job, or sort around it
        "/metrics/job@base64/w6R4/instance/y",       // "äx", base64
        "/metrics/job/a%2Fb/instance/c",             // a decoded slash
        "/metrics/job/=/j/k"}) {                     // the empty job of "=" is refused by the parser; see below
      GroupingKey key;
      try {
        key = GroupingKeyParser.parse(path);
      } catch (InvalidPushPathException refused) {
        continue;
      }
      assertThat(key.job()).as(path).isEqualTo(new String(key.labels().get("job"), StandardCharsets.UTF_8));
    }
    assertThat(GroupingKeyParser.parse("/metrics/job@base64/w6R4/instance/y").job()).isEqualTo("äx");
    assertThat(GroupingKeyParser.parse("/metrics/job/x/jo/1/jobs/2/aaa/3").job()).isEqualTo("x");
  }
}
