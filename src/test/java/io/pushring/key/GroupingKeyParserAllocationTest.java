package io.pushring.key;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The parser's allocation on the hot path, counted by the JVM (deterministic, unlike time): a few
 * hundred bytes per parse, nothing per segment. Its speed is measured by JMH, not here: {@code make
 * bench-jmh JMH_ARGS="PushPathBench -prof gc"} (README "Performance").
 */
class GroupingKeyParserAllocationTest {
  private static final String[] PATHS = {
      "/metrics/job/batch/instance/host-17.example.org/region/eu-west-1",
      "/metrics/job/batch/region/eu-west-1/instance/host-17.example.org",
      "/metrics/job/node_exporter_textfile/instance/10.0.3.17%3A9100",
      "/metrics/job/backup/instance@base64/aG9zdC0xNy5leGFtcGxlLm9yZw/path@base64/L3Zhci9saWIvZGI",
  };

  /** Consumes the key without hashing it: the placement's hash is not the parser's cost. */
  private static final ByteHasher LENGTH = (bytes, offset, length) -> length + bytes[offset];

  @Test
  void aParseAllocatesAFewHundredBytesAndNothingPerSegment() {
    long sink = 0;
    for (int i = 0; i < 300_000; i++) sink += GroupingKeyParser.parse(PATHS[i & 3]).hashCanonical(LENGTH); // JIT
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long[] bytesPerParse = new long[PATHS.length];
    for (int p = 0; p < PATHS.length; p++) {
      long a0 = threads.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 100_000; i++) sink += GroupingKeyParser.parse(PATHS[p]).hashCanonical(LENGTH);
      bytesPerParse[p] = (threads.getThreadAllocatedBytes(tid) - a0) / 100_000;
      System.out.printf("parse %-95s %4d B/parse%n", PATHS[p], bytesPerParse[p]);
    }
    assertThat(sink).isNotZero();
    // Decoded buffer + offsets + canonical + key: a few hundred bytes, nothing per segment.
    assertThat(bytesPerParse[0]).isLessThan(400);
  }
}
