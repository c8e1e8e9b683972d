package io.pushring.key;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * A JMH-free measurement of the hot path: time and bytes allocated per parse of typical push paths.
 * The bound asserted is loose (the machine is shared); the figures printed are the point.
 */
class GroupingKeyParserPerfTest {
  private static final String[] PATHS = {
      "/metrics/job/batch/instance/host-17.example.org/region/eu-west-1",
      "/metrics/job/batch/region/eu-west-1/instance/host-17.example.org",
      "/metrics/job/node_exporter_textfile/instance/10.0.3.17%3A9100",
      "/metrics/job/backup/instance@base64/aG9zdC0xNy5leGFtcGxlLm9yZw/path@base64/L3Zhci9saWIvZGI",
  };

  /** Consumes the key without hashing it: the placement's hash is not the parser's cost. */
  private static final ByteHasher LENGTH = (bytes, offset, length) -> length + bytes[offset];

  @Test
  void parseIsFastAndAllocationLean() {
    long sink = 0;
    for (int i = 0; i < 300_000; i++) sink += GroupingKeyParser.parse(PATHS[i & 3]).hashCanonical(LENGTH);

    int iterations = 1_000_000;
    double[] best = new double[PATHS.length];
    java.util.Arrays.fill(best, Double.MAX_VALUE);
    for (int round = 0; round < 5; round++) {
      for (int p = 0; p < PATHS.length; p++) {
        String path = PATHS[p];
        long t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) sink += GroupingKeyParser.parse(path).hashCanonical(LENGTH);
        best[p] = Math.min(best[p], (System.nanoTime() - t0) / (double) iterations);
      }
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long[] bytesPerParse = new long[PATHS.length];
    for (int p = 0; p < PATHS.length; p++) {
      long a0 = threads.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 100_000; i++) sink += GroupingKeyParser.parse(PATHS[p]).hashCanonical(LENGTH);
      bytesPerParse[p] = (threads.getThreadAllocatedBytes(tid) - a0) / 100_000;
    }
    for (int p = 0; p < PATHS.length; p++) {
      System.out.printf("parse %-95s %6.1f ns  %4d B/parse%n", PATHS[p], best[p], bytesPerParse[p]);
    }
    assertThat(sink).isNotZero();
    // Target: well under 300 ns on a quiet core (about 215 ns measured at load 2.8 on 2 cores). The bound
    // only catches gross regressions (a regex, a String per segment): this machine is shared and was
    // seen at load 12, which quadruples the figure. The allocation bound below is deterministic.
    assertThat(best[0]).isLessThan(2_500);
    // Decoded buffer + offsets + canonical + key: a few hundred bytes, nothing per segment.
    assertThat(bytesPerParse[0]).isLessThan(400);
  }
}
