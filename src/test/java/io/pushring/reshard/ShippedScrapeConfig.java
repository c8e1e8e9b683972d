package io.pushring.reshard;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The shipped {@code conf/prometheus.yml}, rewritten only where a test must: addresses (pushring's,
 * Consul's service) and intervals (scrape and refresh every second). Relabeling, {@code honor_labels}
 * and everything else stay as shipped, so a test scrapes the way an operator who copied the file does.
 *
 * <p>The {@code pushgateway} job's discovery, {@code http_sd_configs}, gets pushring's address (any
 * instance serves the admitted members, {@code GET /sd/pushgateways}).
 */
final class ShippedScrapeConfig {
  private final Map<String, Object> config;
  private final String discovery;

  private ShippedScrapeConfig(Map<String, Object> config, String discovery) {
    this.config = config;
    this.discovery = discovery;
  }

  /** The shipped file with pushring at {@code pushringPort}. */
  @SuppressWarnings("unchecked")
  static ShippedScrapeConfig rewrite(int pushringPort) {
    Map<String, Object> config;
    try {
      config = new Yaml().load(Files.readString(Path.of("conf/prometheus.yml")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> global = (Map<String, Object>) config.get("global");
    global.put("scrape_interval", "1s");
    global.put("evaluation_interval", "1s");
    String pushring = "127.0.0.1:" + pushringPort;
    for (Map<String, Object> c : list(io.pushring.consul.PrometheusProcess.scrapeJob(config, "pushring"), "static_configs")) c.put("targets", List.of(pushring));
    Map<String, Object> job = io.pushring.consul.PrometheusProcess.scrapeJob(config, "pushgateway");
    if (!job.containsKey("http_sd_configs")) throw new AssertionError("conf/prometheus.yml's pushgateway job has no http_sd_configs");
    for (Map<String, Object> sd : list(job, "http_sd_configs")) {
      URI url = URI.create((String) sd.get("url"));
      sd.put("url", "http://" + pushring + url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()));
      sd.put("refresh_interval", "1s");
    }
    String discovery = "http_sd_configs served by pushring";
    return new ShippedScrapeConfig(config, discovery);
  }

  /** How the pushgateway job discovers its targets, for the test's report. */
  String discovery() {
    return discovery;
  }

  /** Whether the shipped relabeling adds a label to every series (naming the Pushgateway it came from). */
  @SuppressWarnings("unchecked")
  boolean labelsSeriesPerPushgateway() {
    Object rules = io.pushring.consul.PrometheusProcess.scrapeJob(config, "pushgateway").get("relabel_configs");
    if (!(rules instanceof List<?> list)) return false;
    return list.stream().anyMatch(r -> ((Map<String, Object>) r).containsKey("target_label")
        && !String.valueOf(((Map<String, Object>) r).get("target_label")).startsWith("__"));
  }

  Path write(Path dir) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve("prometheus.yml");
      Files.writeString(file, new Yaml(options).dump(config));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> job, String key) {
    return (List<Map<String, Object>>) job.get(key);
  }
}
