package io.pushring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shipped {@code conf/prometheus.yml} is valid for Prometheus and scrapes pushring itself. */
class PrometheusConfigTest {
  static final Path CONFIG = Path.of("conf", "prometheus.yml");

  @Test
  void promtoolAcceptsItAndItHasThePushringJob() throws Exception {
    Path promtool = Path.of(System.getProperty("pushring.promtool.bin", "/usr/bin/promtool"));
    assertThat(Files.isExecutable(promtool)).as("%s: `make test` installs Debian's prometheus", promtool).isTrue();
    String out = promtoolCheck(promtool, CONFIG);
    assertThat(out).startsWith("OK:");
    String yaml = Files.readString(CONFIG);
    assertThat(yaml).contains("job_name: pushring").contains("metrics_path: /metrics").contains(":9292");
  }

  /** "OK: " + promtool's output when it accepts the file, else its output. */
  private static String promtoolCheck(Path promtool, Path config) throws Exception {
    Process p = new ProcessBuilder(promtool.toString(), "check", "config", config.toString())
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return p.exitValue() == 0 ? "OK: " + out : out;
  }
}
